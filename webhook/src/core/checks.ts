// The checks that can refuse a pod, one function each. Every message names what is wrong and ends with the fix,
// because it is all a user sees: `kubectl apply` prints it verbatim, and a controller records it in an event.

import { ANNOTATION_SPECS, ANNOTATIONS, INJECTION, PORTS } from '@mcp-sidecar/contract';

import { unwrapCommand } from './command.ts';
import { quoteList } from './json.ts';
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

/** Without mcp.io/status the reserved names are the user's own, and replacing them would destroy their containers. */
export function checkReservedNames(pod: PodObject): Denial | undefined {
  const container = allContainerNames(pod.spec).find((name) => RESERVED_CONTAINERS.includes(name));
  const volume = (pod.spec.volumes ?? []).map((v) => v.name).find((name) => RESERVED_VOLUMES.includes(name));
  const taken =
    container === undefined ? (volume === undefined ? undefined : `volume "${volume}"`) : `container "${container}"`;
  if (taken === undefined) return undefined;
  return deny(
    'reserved_name',
    `${taken} already exists, but the pod has no ${ANNOTATIONS.status} annotation, so mcp-injector did not add it. ` +
      `The injector reserves the container names ${quoteList(RESERVED_CONTAINERS)} and the volume name ${quoteList(RESERVED_VOLUMES)}. ` +
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
}

/** The container that runs the stdio server: mcp.io/container, else the only app container. */
export function pickServer(candidates: readonly Container[], settings: PodSettings): PickedServer | Denial {
  const names = candidates.map((c) => c.name);
  const fix = `Fix: set ${ANNOTATIONS.container} to one of ${quoteList(names)}, e.g. ${ANNOTATIONS.container}: "${names[0] ?? ''}"`;
  if (settings.container === undefined) {
    const only = candidates.length === 1 ? candidates[0] : undefined;
    if (only) return { kind: 'server', container: only };
    return deny(
      'container_required',
      `the pod has ${candidates.length} containers (${names.join(', ')}) and no ${ANNOTATIONS.container} annotation, ` +
        `so the injector cannot tell which one runs the stdio MCP server. ${fix}`,
    );
  }
  const named = candidates.find((c) => c.name === settings.container);
  if (named) return { kind: 'server', container: named };
  return deny(
    'container_not_found',
    `annotation ${ANNOTATIONS.container}="${settings.container}" names no container in spec.containers ` +
      `(containers: ${names.join(', ')}). ${fix}`,
  );
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
