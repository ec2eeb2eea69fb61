// Containers that are not the MCP server: service-mesh proxies and their init steps, secret and runtime agents, and
// any native sidecar. Other injectors put them into the pod before or after us (in a cluster, Istio's and Linkerd's
// webhooks run first: webhook/README.md, "Behind a service mesh"); the injector never picks one as the server, never
// gives one MCP_URL and never edits one, so a pod with an app and a mesh proxy needs no mcp.io/container.

import type { Container, PodObject } from './pod.ts';

/** kubectl logs/exec pick this container when none is named; Istio sets it to the first app container. */
export const DEFAULT_CONTAINER_ANNOTATION = 'kubectl.kubernetes.io/default-container';

/** Container name → what it is, as messages say it. The names are fixed by the injectors that add them. */
export const INFRASTRUCTURE_CONTAINERS: Readonly<Record<string, string>> = {
  'istio-proxy': "Istio's proxy",
  'istio-init': "Istio's traffic redirection step",
  'istio-validation': "Istio CNI's validation step",
  'linkerd-proxy': "Linkerd's proxy",
  'linkerd-init': "Linkerd's traffic redirection step",
  'linkerd-network-validator': "Linkerd CNI's validation step",
  'vault-agent': "Vault's agent",
  'vault-agent-init': "Vault's agent init step",
  daprd: "Dapr's sidecar",
};

/** What an infrastructure container is, or undefined for a container that may run the MCP server. */
export const infrastructureOf = (name: string): string | undefined =>
  Object.hasOwn(INFRASTRUCTURE_CONTAINERS, name) ? INFRASTRUCTURE_CONTAINERS[name] : undefined;

export const isInfrastructure = (container: Container): boolean => infrastructureOf(container.name) !== undefined;

/** Every container of `pod` that is infrastructure: by name, or a native sidecar (an init container that keeps running). */
export function infrastructureContainers(pod: PodObject): Container[] {
  const init = (pod.spec.initContainers ?? []).filter((c) => c.restartPolicy === 'Always' || isInfrastructure(c));
  return [...init, ...pod.spec.containers.filter(isInfrastructure)];
}

/** The container kubectl.kubernetes.io/default-container names, when it is one of `candidates`. */
export function defaultContainerOf(pod: PodObject, candidates: readonly Container[]): Container | undefined {
  const named = pod.metadata?.annotations?.[DEFAULT_CONTAINER_ANNOTATION];
  return named === undefined ? undefined : candidates.find((c) => c.name === named);
}
