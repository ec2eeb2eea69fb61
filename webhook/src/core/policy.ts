// Decides what happens to one pod: skip it (with a reason), refuse it (with a message), or inject it (with a plan
// that mutate() renders). Pure: the same pod and config always give the same decision.

import { ANNOTATIONS, INJECTION, readAnnotation } from '@mcp-sidecar/contract';

import {
  checkCompletion,
  checkHostNetwork,
  checkMountPath,
  checkOs,
  checkReservedNames,
  type Denial,
  deny,
  originalCommand,
  pickServer,
} from './checks.ts';
import { wrapCommand } from './command.ts';
import type { InjectorConfig } from './config.ts';
import { type BridgeExtras, bridgeExtras, checkIdentity, identityWarnings } from './identity.ts';
import { isObject } from './json.ts';
import { meshesOf } from './mesh.ts';
import { type Container, type PodObject, podShapeProblem } from './pod.ts';
import { checkPorts } from './ports.ts';
import type { ReasonCode } from './reasons.ts';
import type { RunAs } from './render.ts';
import { type PodSettings, readSettings } from './settings.ts';
import { readStatus, RESERVED_CONTAINERS } from './status.ts';

export interface PodContext {
  /** Kind of the workload whose pod template this is (offline inject), for pods without ownerReferences yet. */
  readonly ownerKind?: string | undefined;
}

export interface InjectionPlan {
  readonly serverContainer: string;
  /** The server container's new command: the original, run through mcp-shim; undefined for an HTTP server. */
  readonly serverCommand: readonly string[] | undefined;
  readonly settings: PodSettings;
  readonly runAs: RunAs;
  readonly version: string;
  /** What the identity annotations and the pod's mesh add to the bridge. */
  readonly bridge: BridgeExtras;
}

export interface Skip {
  readonly kind: 'skip';
  readonly reason: ReasonCode;
}

export interface Inject {
  readonly kind: 'inject';
  readonly plan: InjectionPlan;
  readonly warnings: readonly string[];
}

export type Decision = Skip | Denial | Inject;

const skip = (reason: ReasonCode): Skip => ({ kind: 'skip', reason });

/** The opt-in annotation's raw value, read before anything else is trusted about the object. */
function rawOptIn(raw: unknown): unknown {
  const metadata = isObject(raw) ? raw.metadata : undefined;
  const annotations = isObject(metadata) ? metadata.annotations : undefined;
  return isObject(annotations) ? annotations[ANNOTATIONS.inject] : undefined;
}

export function decide(raw: unknown, context: PodContext, config: InjectorConfig): Decision {
  // Opt-in comes first: a pod that did not ask for injection is never refused, whatever else is odd about it.
  if (rawOptIn(raw) === undefined) return skip('annotation_absent');
  const problem = podShapeProblem(raw);
  if (problem) return deny('invalid_pod', `${problem}. Fix: correct the pod spec`);
  const pod = raw as PodObject;
  const annotations = pod.metadata?.annotations ?? {};
  const optIn = readAnnotation(annotations, 'inject');
  if (optIn?.ok === false) return deny('invalid_annotation', optIn.error);
  if (optIn?.value !== true) return skip('injection_disabled');
  const read = readSettings(annotations, config);
  if (!read.ok) return deny('invalid_annotation', read.message);
  return plan(pod, read.settings, context, config);
}

function plan(pod: PodObject, settings: PodSettings, context: PodContext, config: InjectorConfig): Decision {
  // With mcp.io/status present the reserved names are ours from an earlier pass, and are re-rendered in place.
  const owned = readStatus(pod.metadata?.annotations ?? {}) !== undefined;
  const ours = (c: Container): boolean => owned && RESERVED_CONTAINERS.includes(c.name);
  const meshes = meshesOf(pod);
  const volumes = [INJECTION.volume, ...bridgeExtras(settings.identity, meshes, '').volumes.map((v) => v.name)];
  const early =
    (owned ? undefined : checkReservedNames(pod, volumes)) ??
    checkOs(pod) ??
    checkHostNetwork(pod, settings) ??
    checkIdentity(settings.identity);
  if (early) return early;
  const server = pickServer(pod, ours, settings);
  if (server.kind === 'deny') return server;
  // An HTTP server (mcp.io/upstream) is reached over the pod's loopback: its command stays, no socket is shared.
  const command = settings.http ? undefined : originalCommand(server.container, settings);
  if (command?.kind === 'deny') return command;
  const podContainers = [...pod.spec.containers, ...(pod.spec.initContainers ?? [])].filter((c) => !ours(c));
  const refusal =
    checkCompletion(pod, settings, context.ownerKind) ??
    checkPorts(podContainers, settings) ??
    (command ? checkMountPath(server.container) : undefined);
  if (refusal) return refusal;
  const { runAs, warning } = command
    ? runAsFor(pod, server.container)
    : { runAs: { uid: INJECTION.defaultUid, gid: INJECTION.defaultUid, socketOwner: undefined }, warning: undefined };
  const warnings = [
    ...server.warnings,
    ...(command?.warnings ?? []),
    ...(warning ? [warning] : []),
    ...identityWarnings(settings.identity),
  ];
  const result: InjectionPlan = {
    serverContainer: server.container.name,
    serverCommand: command && wrapCommand(command.command, runAs.socketOwner, settings.pty),
    settings,
    runAs,
    version: config.version,
    bridge: bridgeExtras(settings.identity, meshes, serviceNameOf(pod, server.container)),
  };
  return { kind: 'inject', plan: result, warnings };
}

/** OTEL_SERVICE_NAME: the app's name as its labels give it, else the server container's name. */
function serviceNameOf(pod: PodObject, server: Container): string {
  const labels = isObject(pod.metadata?.labels) ? pod.metadata.labels : {};
  const name = [labels['app.kubernetes.io/name'], labels.app].find((v) => typeof v === 'string' && v !== '');
  return typeof name === 'string' ? name : server.name;
}

/**
 * The shim creates its socket owner-only, so the bridge must run as the server's user. When that user is known and
 * non-root the bridge simply runs as it; otherwise the bridge runs as the default non-root uid and the shim chowns
 * the socket to it, which works when the shim runs as root (an explicit runAsUser: 0, or a root image).
 */
function runAsFor(pod: PodObject, server: Container): { runAs: RunAs; warning: string | undefined } {
  const uid = server.securityContext?.runAsUser ?? pod.spec.securityContext?.runAsUser;
  const gid = server.securityContext?.runAsGroup ?? pod.spec.securityContext?.runAsGroup;
  if (uid !== undefined && uid !== 0) return { runAs: { uid, gid, socketOwner: undefined }, warning: undefined };
  const fallback = INJECTION.defaultUid;
  const runAs = { uid: fallback, gid: fallback, socketOwner: fallback };
  const warning =
    uid === undefined
      ? `container "${server.name}" declares no runAsUser (nor does the pod): if its image runs as a non-root user, ` +
        `the shim cannot hand its socket to ${INJECTION.sidecarContainer} (uid ${fallback}); ` +
        `set securityContext.runAsUser on "${server.name}"`
      : undefined;
  return { runAs, warning };
}
