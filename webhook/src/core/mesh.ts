// Which service mesh a pod is in, and what the bridge needs to know about it: the address its inbound proxy
// connects from, so the bridge believes that proxy's identity headers (x-forwarded-client-cert from Istio's Envoy,
// l5d-client-id from Linkerd's proxy) and nobody else's. The sources behind each address are in webhook/README.md,
// "Behind a service mesh". The probes need nothing per mesh: they are exec probes on loopback (render.ts).

import type { EnvVar, PodObject } from './pod.ts';

export type Mesh = 'istio' | 'linkerd';

/** What each mesh leaves in a pod it injected: its containers (regular or init) and its status annotation. */
const SIGNS: Readonly<Record<Mesh, { readonly containers: readonly string[]; readonly annotation: string }>> = {
  istio: { containers: ['istio-proxy', 'istio-init', 'istio-validation'], annotation: 'sidecar.istio.io/status' },
  linkerd: {
    containers: ['linkerd-proxy', 'linkerd-init', 'linkerd-network-validator'],
    annotation: 'linkerd.io/proxy-version',
  },
};

export function meshesOf(pod: PodObject): Mesh[] {
  const names = new Set([...pod.spec.containers, ...(pod.spec.initContainers ?? [])].map((c) => c.name));
  const annotations = pod.metadata?.annotations ?? {};
  return (Object.keys(SIGNS) as Mesh[]).filter(
    (mesh) => SIGNS[mesh].containers.some((name) => names.has(name)) || SIGNS[mesh].annotation in annotations,
  );
}

/** Istio's inbound clusters connect to the app from these fixed addresses (InboundPassthroughBindIpv4/6). */
export const ISTIO_INBOUND_SOURCES: readonly string[] = ['127.0.0.6/32', '::6/128'];

/** The bridge's variable holding the pod's IPs (downward API, `status.podIPs`: "10.1.2.3" or "10.1.2.3,fd00::3"). */
export const POD_IPS_ENV = 'POD_IPS';

/**
 * Linkerd's proxy connects to the app at the pod's own IP without binding a source, so the kernel uses the pod IP as
 * the source too. That IP is only known when the pod runs: the kubelet expands `$(POD_IPS)` in the args from the
 * variable below, and the bridge reads each bare address as a one-host range.
 */
const LINKERD_INBOUND_SOURCES: readonly string[] = [`$(${POD_IPS_ENV})`];

export interface MeshBridgeConfig {
  readonly trustedProxies: readonly string[];
  readonly env: readonly EnvVar[];
}

export function meshBridgeConfig(meshes: readonly Mesh[]): MeshBridgeConfig {
  const linkerd = meshes.includes('linkerd');
  const trustedProxies = [
    ...(meshes.includes('istio') ? ISTIO_INBOUND_SOURCES : []),
    ...(linkerd ? LINKERD_INBOUND_SOURCES : []),
  ];
  // apiVersion is what the API server would default; explicit, so a re-rendered pod compares equal to an admitted one.
  const podIps = { name: POD_IPS_ENV, valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'status.podIPs' } } };
  return { trustedProxies, env: linkerd ? [podIps] : [] };
}
