// The checks that can refuse a pod, one function each. Every message names what is wrong and ends with the fix,
// because it is all a user sees: `kubectl apply` prints it verbatim, and a controller records it in an event.

import { ANNOTATION_SPECS, ANNOTATIONS, INJECTION, PORTS } from '@mcp-sidecar/contract';

import { unwrapCommand } from './command.ts';
import { quoteList } from './json.ts';
import {
  DEFAULT_CONTAINER_ANNOTATION,
  defaultContainerOf,
  infrastructureOf,
  isInfrastructure,
} from './infrastructure.ts';
import { allContainerNames, type Container, ownerOf, type PodObject } from './pod.ts';
import type { ReasonCode } from './reasons.ts';
import type { PodSettings } from './settings.ts';
import { RESERVED_CONTAINERS, RESERVED_VOLUMES } from './status.ts';

export interface Denial {
  readonly kind: 'deny';
  readonly reason: ReasonCode;
  readonly message: string;
}

export const deny = (reason: ReasonCode, message: string): Denial => ({ kind: 'deny', reason, message });

/**
 * Without mcp.io/status the reserved names are the user's own, and replacing them would destroy their containers.
 * `volumes`: the volume names this pass would add (the shared one, and the identity volumes the annotations ask for).
 */
export function checkReservedNames(pod: PodObject, volumes: readonly string[]): Denial | undefined {
  const container = allContainerNames(pod.spec).find((name) => RESERVED_CONTAINERS.includes(name));
  const volume = (pod.spec.volumes ?? []).map((v) => v.name).find((name) => volumes.includes(name));
  const taken =
    container === undefined ? (volume === undefined ? undefined : `volume "${volume}"`) : `container "${container}"`;
  if (taken === undefined) return undefined;
  const extra = volumes.filter((name) => !RESERVED_VOLUMES.includes(name));
  const identity = extra.length === 0 ? '' : ` (and ${quoteList(extra)}, for the pod's identity annotations)`;
  return deny(
    'reserved_name',
    `${taken} already exists, but the pod has no ${ANNOTATIONS.status} annotation, so mcp-injector did not add it. ` +
      `The injector reserves the container names ${quoteList(RESERVED_CONTAINERS)} and the volume name ${quoteList(RESERVED_VOLUMES)}${identity}. ` +
      `Fix: rename it, or remove ${ANNOTATIONS.inject} if the pod already runs the bridge itself`,
  );
}

/** The bridge image is Linux-only, and Windows pods may not carry the seccomp profile the injected containers need. */
export function checkOs(pod: PodObject): Denial | undefined {
  if (pod.spec.os?.name !== 'windows') return undefined;
  return deny(
    'windows_pod',
    `the pod sets spec.os.name: windows, but ${INJECTION.sidecarContainer} and mcp-shim are Linux programs (and the ` +
      `injected containers' restricted securityContext is not allowed on Windows). Fix: remove ${ANNOTATIONS.inject}`,
  );
}

export function checkHostNetwork(pod: PodObject, settings: PodSettings): Denial | undefined {
  if (pod.spec.hostNetwork !== true) return undefined;
  return deny(
    'host_network',
    `the pod uses hostNetwork: true, so the bridge's ports (${ANNOTATIONS.port} ${settings.port} and admin ${PORTS.admin}) ` +
      `would open on the node's network, clash with other pods on the node and expose the MCP endpoint outside the pod. ` +
      `Fix: remove hostNetwork: true, or remove ${ANNOTATIONS.inject}`,
  );
}

export interface PickedServer {
  readonly kind: 'server';
  readonly container: Container;
  readonly warnings: readonly string[];
}

/**
 * The container that runs the stdio server: mcp.io/container, else the only app container, else the one
 * kubectl.kubernetes.io/default-container names. App containers are spec.containers without the injector's own
 * (`ours`) and without infrastructure (mesh proxies, agents: infrastructure.ts), whichever injector added them first.
 */
export function pickServer(
  pod: PodObject,
  ours: (c: Container) => boolean,
  settings: PodSettings,
): PickedServer | Denial {
  const apps = pod.spec.containers.filter((c) => !ours(c) && !isInfrastructure(c));
  if (settings.container !== undefined) return namedServer(pod, apps, settings.container);
  const only = apps.length === 1 ? apps[0] : undefined;
  if (only) return { kind: 'server', container: only, warnings: [] };
  const byDefault = defaultContainerOf(pod, apps);
  if (byDefault) {
    const others = quoteList(apps.map((c) => c.name).filter((name) => name !== byDefault.name));
    const warning =
      `container "${byDefault.name}" runs the MCP server because ${DEFAULT_CONTAINER_ANNOTATION} names it; ` +
      `set ${ANNOTATIONS.container} to run it in ${others} instead`;
    return { kind: 'server', container: byDefault, warnings: [warning] };
  }
  return deny('container_required', severalApps(pod, apps));
}

const serverFix = (names: readonly string[]): string =>
  names.length === 0
    ? `Fix: add the container that runs the MCP server, or remove ${ANNOTATIONS.inject}`
    : `Fix: set ${ANNOTATIONS.container} to one of ${quoteList(names)}, e.g. ${ANNOTATIONS.container}: "${names[0] ?? ''}"`;

function severalApps(pod: PodObject, apps: readonly Container[]): string {
  const names = apps.map((c) => c.name);
  const infrastructure = pod.spec.containers.filter(isInfrastructure).map((c) => c.name);
  const named = pod.metadata?.annotations?.[DEFAULT_CONTAINER_ANNOTATION];
  const notes = [
    ...(infrastructure.length > 0
      ? [`not counting ${infrastructure.join(', ')}, which the injector leaves alone`]
      : []),
    ...(named === undefined ? [] : [`${DEFAULT_CONTAINER_ANNOTATION} names "${named}", which is not one of them`]),
  ];
  const listed = [names.join(', '), ...notes].filter((part) => part !== '').join('; ');
  return (
    `the pod has ${names.length} containers (${listed}) ` +
    `and no ${ANNOTATIONS.container} annotation, so the injector cannot tell which one runs the stdio MCP server. ` +
    serverFix(names)
  );
}

function namedServer(pod: PodObject, apps: readonly Container[], name: string): PickedServer | Denial {
  const named = apps.find((c) => c.name === name);
  if (named) return { kind: 'server', container: named, warnings: [] };
  const names = apps.map((c) => c.name);
  const what = pod.spec.containers.some((c) => c.name === name) ? infrastructureOf(name) : undefined;
  const problem =
    what === undefined
      ? `names no container in spec.containers (containers: ${names.join(', ')})`
      : `names ${what}, which the injector never changes: it is not an MCP server`;
  return deny('container_not_found', `annotation ${ANNOTATIONS.container}="${name}" ${problem}. ${serverFix(names)}`);
}

export interface ServerCommand {
  readonly kind: 'command';
  readonly command: readonly string[];
  readonly warnings: readonly string[];
}

/** The command the shim must run: the container's (unwrapped on re-invocation), else mcp.io/command. */
export function originalCommand(server: Container, settings: PodSettings): ServerCommand | Denial {
  const unwrapped = unwrapCommand(server.command);
  if (unwrapped) return { kind: 'command', command: unwrapped, warnings: [] };
  if (server.command && server.command.length > 0) {
    const ignored = settings.command
      ? [`${ANNOTATIONS.command} is ignored: container "${server.name}" declares its own command`]
      : [];
    return { kind: 'command', command: server.command, warnings: ignored };
  }
  if (settings.command) return { kind: 'command', command: settings.command, warnings: [] };
  const example = ANNOTATION_SPECS.command.example;
  return deny(
    'missing_command',
    `container "${server.name}" has no command, and the image ENTRYPOINT is never looked up at admission, so the ` +
      `injector cannot run the server through mcp-shim. Fix: set command on container "${server.name}" ` +
      `(e.g. command: ${example.slice(1, -1)}), or set ${ANNOTATIONS.command}: ${example} ` +
      `(the image's ENTRYPOINT and CMD as a JSON list; the container's args are still appended)`,
  );
}

const RUN_TO_COMPLETION = ['Never', 'OnFailure'];

/** A classic sidecar never exits, so a pod that must complete (a Job's) would run forever. */
export function checkCompletion(
  pod: PodObject,
  settings: PodSettings,
  ownerKind: string | undefined,
): Denial | undefined {
  if (settings.mode !== 'classic') return undefined;
  const owner = ownerOf(pod);
  const job =
    owner?.kind === 'Job'
      ? `Job "${owner.name}"`
      : ownerKind === 'Job' || ownerKind === 'CronJob'
        ? `a ${ownerKind}`
        : undefined;
  const policy = pod.spec.restartPolicy;
  if (job === undefined && !RUN_TO_COMPLETION.includes(policy ?? 'Always')) return undefined;
  const what = job ? `the pod belongs to ${job}` : `the pod has restartPolicy: ${policy}`;
  const source =
    settings.modeSource === 'annotation'
      ? `${ANNOTATIONS.nativeSidecar}: "false"`
      : 'the injector runs with --sidecar-mode classic';
  const fix =
    settings.modeSource === 'annotation'
      ? `remove ${ANNOTATIONS.nativeSidecar}: "false"`
      : `set ${ANNOTATIONS.nativeSidecar}: "true" on the pod`;
  return deny(
    'job_needs_native_sidecar',
    `${what} and would never complete: in the classic sidecar layout (${source}) the ${INJECTION.sidecarContainer} ` +
      `container keeps running after the server exits. Fix: use the native sidecar layout (Kubernetes >= 1.29): ${fix}`,
  );
}

export function checkMountPath(server: Container): Denial | undefined {
  const mount = (server.volumeMounts ?? []).find(
    (m) => m.name !== INJECTION.volume && m.mountPath.replace(/\/+$/, '') === INJECTION.mountPath,
  );
  if (!mount) return undefined;
  return deny(
    'mount_path_conflict',
    `container "${server.name}" already mounts volume "${mount.name}" at ${INJECTION.mountPath}, where the injector ` +
      `mounts the shared volume ${INJECTION.volume} (mcp-shim and its socket). Fix: mount "${mount.name}" at another path`,
  );
}
