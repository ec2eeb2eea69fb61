// Stand-in for the API server's validation of an injected pod: the Kubernetes OpenAPI schema (kubernetes-models)
// plus the rules a schema cannot express. Returns the problems found; an empty list means the pod would be accepted
// as far as these checks can tell.

import { INJECTION, parseBridgeCli } from '@mcp-sidecar/contract';
import { Pod } from 'kubernetes-models/v1/Pod';

type Json = Record<string, unknown>;
type Container = Json & { name: string };

const list = <T>(value: unknown): T[] => (Array.isArray(value) ? (value as T[]) : []);
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Runs the schema on a Pod built around `spec` and `metadata` (templates have no apiVersion/kind of their own). */
function schemaProblems(pod: Json): string[] {
  const metadata = { name: 'validated', ...(pod.metadata as Json | undefined) };
  try {
    new Pod({ apiVersion: 'v1', kind: 'Pod', metadata, spec: pod.spec } as never).validate();
    return [];
  } catch (error) {
    return [`schema: ${error instanceof Error ? error.message : String(error)}`];
  }
}

function containerProblems(spec: Json): string[] {
  const problems: string[] = [];
  const containers = list<Container>(spec.containers);
  const init = list<Container>(spec.initContainers);
  const all = [...containers, ...init, ...list<Container>(spec.ephemeralContainers)];
  const names = all.map((c) => c.name);
  const duplicates = names.filter((name, index) => names.indexOf(name) !== index);
  if (duplicates.length > 0) problems.push(`duplicate container names: ${duplicates.join(', ')}`);
  for (const name of names) if (!DNS_LABEL.test(name) || name.length > 63) problems.push(`bad container name ${name}`);
  for (const c of init) {
    if (c.restartPolicy !== undefined && c.restartPolicy !== 'Always')
      problems.push(`${c.name}: init restartPolicy ${JSON.stringify(c.restartPolicy)}`);
    const probes = ['startupProbe', 'readinessProbe', 'livenessProbe'].filter((p) => c[p] !== undefined);
    if (c.restartPolicy !== 'Always' && probes.length > 0)
      problems.push(`${c.name}: probes on a run-to-completion init container`);
  }
  // The injector never adds restartPolicy to a regular container (only users may, with ContainerRestartRules).
  const bridge = containers.find((c) => c.name === INJECTION.sidecarContainer);
  if (bridge?.restartPolicy !== undefined) problems.push('classic bridge carries restartPolicy');
  for (const c of all) {
    const portNames = list<Json>(c.ports)
      .map((p) => p.name)
      .filter((n): n is string => typeof n === 'string');
    for (const n of portNames) if (n.length > 15) problems.push(`${c.name}: port name ${n} longer than 15`);
    if (new Set(portNames).size !== portNames.length) problems.push(`${c.name}: duplicate port names`);
  }
  return problems;
}

function volumeProblems(spec: Json): string[] {
  const volumes = new Set(list<Json>(spec.volumes).map((v) => v.name));
  const containers = [...list<Container>(spec.containers), ...list<Container>(spec.initContainers)];
  return containers.flatMap((c) => {
    const mounts = list<Json>(c.volumeMounts);
    const paths = mounts.map((m) => m.mountPath);
    const problems = mounts
      .filter((m) => !volumes.has(m.name))
      .map((m) => `${c.name}: mount of missing volume ${String(m.name)}`);
    if (new Set(paths).size !== paths.length) problems.push(`${c.name}: duplicate mountPath`);
    return problems;
  });
}

/** The restricted Pod Security Standard's container-level requirements, on the containers the injector adds. */
export function restrictedProblems(container: Json): string[] {
  const sc = (container.securityContext ?? {}) as Json;
  const caps = (sc.capabilities ?? {}) as Json;
  const seccomp = (sc.seccompProfile ?? {}) as Json;
  const problems: string[] = [];
  if (sc.runAsNonRoot !== true) problems.push('runAsNonRoot is not true');
  if (sc.allowPrivilegeEscalation !== false) problems.push('allowPrivilegeEscalation is not false');
  if (!list<string>(caps.drop).includes('ALL')) problems.push('capabilities.drop lacks ALL');
  if (list<string>(caps.add).length > 0) problems.push('capabilities.add is not empty');
  if (sc.readOnlyRootFilesystem !== true) problems.push('readOnlyRootFilesystem is not true');
  if (seccomp.type !== 'RuntimeDefault') problems.push('seccompProfile is not RuntimeDefault');
  if (typeof sc.runAsUser !== 'number' || sc.runAsUser <= 0) problems.push('runAsUser is not an explicit non-root uid');
  if (!(container.resources as Json | undefined)?.requests) problems.push('no resource requests');
  return problems.map((problem) => `${String(container.name)}: ${problem}`);
}

function injectedProblems(spec: Json): string[] {
  const all = [...list<Container>(spec.containers), ...list<Container>(spec.initContainers)];
  const ours = all.filter((c) => c.name === INJECTION.sidecarContainer || c.name === INJECTION.shimInstallContainer);
  return ours.flatMap(restrictedProblems);
}

/** What the kubelet would put for each downward-API field the injector uses (a dual-stack pod). */
const DOWNWARD_SAMPLES: Record<string, string> = {
  'status.podIPs': '10.244.1.4,fd00:10:244:1::4',
  'status.podIP': '10.244.1.4',
};

/**
 * The bridge's args as the kubelet hands them over ($(VAR) expanded from the container's env, downward-API fields
 * with sample values) must be accepted by the bridge's own parser: what the injector admits, the bridge runs.
 */
function bridgeArgProblems(spec: Json): string[] {
  const all = [...list<Container>(spec.containers), ...list<Container>(spec.initContainers)];
  const bridge = all.find((c) => c.name === INJECTION.sidecarContainer);
  if (bridge?.args === undefined) return [];
  const env = new Map(
    list<Json>(bridge.env).map((variable) => {
      const field = ((variable.valueFrom as Json | undefined)?.fieldRef as Json | undefined)?.fieldPath;
      return [String(variable.name), typeof field === 'string' ? DOWNWARD_SAMPLES[field] : (variable.value as string)];
    }),
  );
  const args = list<string>(bridge.args).map((arg) =>
    arg.replace(/\$\((\w+)\)/g, (whole, name: string) => env.get(name) ?? whole),
  );
  const parsed = parseBridgeCli(args, {});
  return parsed.kind === 'run' ? [] : [`mcp-sidecar: the bridge refuses its args: ${JSON.stringify(parsed)}`];
}

/** Every problem with `pod` (a Pod, or a pod template `{metadata, spec}`). */
export function podProblems(pod: Json): string[] {
  const spec = (pod.spec ?? {}) as Json;
  return [
    ...schemaProblems(pod),
    ...containerProblems(spec),
    ...volumeProblems(spec),
    ...injectedProblems(spec),
    ...bridgeArgProblems(spec),
  ];
}
