// Applies an injection plan to a pod: pure (the input is never written to) and a fixed point
// (mutate(mutate(p)) deep-equals mutate(p)). Every step is an upsert keyed by a name the injector owns: a piece that
// is missing is added, a piece that is present is re-rendered in place. Re-rendering overlays the rendered fields on
// the existing container, so fields the API server defaulted after an earlier pass (imagePullPolicy,
// terminationMessagePath) stay, and re-invocation yields an empty patch.
//
// Copy-on-write: only the objects on a modified path are copied; everything else (managedFields, untouched
// containers, env entries) is shared with the input. Sharing is what keeps the patch cheap: the diff skips any
// subtree that is the same object on both sides. Callers must treat the result as read-only, like the input.

import { ANNOTATIONS, INJECTION } from '@mcp-sidecar/contract';

import { DEFAULT_CONTAINER_ANNOTATION, isInfrastructure } from './infrastructure.ts';
import type { Container, PodObject, PodSpec, VolumeMount } from './pod.ts';
import type { InjectionPlan } from './policy.ts';
import { mcpUrl, renderBridge, renderShimInstall, renderVolume } from './render.ts';
import { type InjectionStatus, readStatus, renderStatus, statusFor } from './status.ts';

/** The spec with fresh arrays for the lists mutate() edits (their elements are still shared until replaced). */
interface EditableSpec extends PodSpec {
  initContainers: Container[];
  volumes: NonNullable<PodSpec['volumes']>;
}

export function mutate(pod: PodObject, plan: InjectionPlan): PodObject {
  const spec: EditableSpec = {
    ...pod.spec,
    containers: [...pod.spec.containers],
    initContainers: [...(pod.spec.initContainers ?? [])],
    volumes: [...(pod.spec.volumes ?? [])],
  };
  placeVolumes(spec, plan, readStatus(pod.metadata?.annotations ?? {}));
  // An HTTP server (mcp.io/upstream) keeps its command and gets no shim: only the bridge is added in front of it.
  if (plan.serverCommand) rewriteServer(spec, plan.serverContainer, plan.serverCommand);
  if (spec.volumes.length === 0 && pod.spec.volumes === undefined) delete (spec as PodSpec).volumes;
  placeInjectedContainers(spec, plan);
  addUrlEnv(spec, plan);
  return { ...pod, metadata: annotated(pod, plan), spec };
}

function replaceOrAppend<T extends { name: string }>(list: T[], item: T): void {
  const index = list.findIndex((existing) => existing.name === item.name);
  if (index === -1) list.push(item);
  else list[index] = item;
}

/**
 * The shared volume and the identity volumes this plan needs. An identity volume an earlier pass added (listed in
 * mcp.io/status) that this plan no longer needs goes; a user's volume of that name was never ours and stays.
 */
function placeVolumes(spec: EditableSpec, plan: InjectionPlan, before: InjectionStatus | undefined): void {
  const shared = plan.serverCommand ? [renderVolume()] : [];
  const wanted = [...shared, ...plan.bridge.volumes.map((volume) => structuredClone(volume))];
  const names = new Set(wanted.map((volume) => volume.name));
  const stale = new Set((before?.volumes ?? []).filter((name) => !names.has(name)));
  spec.volumes = spec.volumes.filter((volume) => !stale.has(volume.name));
  for (const volume of wanted) replaceOrAppend(spec.volumes, volume);
}

/** Adds `rendered`, or overlays it on the container of the same name; new ones go before `before` when present. */
function upsertContainer(list: Container[], rendered: Container, before?: string): void {
  const index = list.findIndex((c) => c.name === rendered.name);
  if (index !== -1) {
    list[index] = { ...list[index], ...rendered };
    return;
  }
  const at = before === undefined ? -1 : list.findIndex((c) => c.name === before);
  if (at === -1) list.push(rendered);
  else list.splice(at, 0, rendered);
}

function rewriteServer(spec: EditableSpec, serverContainer: string, serverCommand: readonly string[]): void {
  const index = spec.containers.findIndex((c) => c.name === serverContainer);
  const server = spec.containers[index];
  if (!server) throw new Error(`server container "${serverContainer}" vanished between policy and mutate`);
  const mount: VolumeMount = { name: INJECTION.volume, mountPath: INJECTION.mountPath };
  const mounts = [...(server.volumeMounts ?? [])];
  const existing = mounts.findIndex((m) => m.name === INJECTION.volume);
  if (existing === -1) mounts.push(mount);
  else mounts[existing] = { ...mounts[existing], ...mount };
  spec.containers[index] = { ...server, command: [...serverCommand], volumeMounts: mounts };
}

/**
 * Native: `initContainers: [...existing, mcp-shim-install, mcp-sidecar]`, so existing init containers and other
 * meshes' sidecars start first. Classic: the shim install is the last init container and the bridge the last container.
 */
function placeInjectedContainers(spec: EditableSpec, plan: InjectionPlan): void {
  const native = plan.settings.mode === 'native';
  // A layout change between passes moves the bridge to the other list.
  const stale = native ? spec.containers : spec.initContainers;
  const staleIndex = stale.findIndex((c) => c.name === INJECTION.sidecarContainer);
  if (staleIndex !== -1) stale.splice(staleIndex, 1);
  if (plan.serverCommand) {
    const install = renderShimInstall(plan.settings.image, plan.runAs);
    upsertContainer(spec.initContainers, install, native ? INJECTION.sidecarContainer : undefined);
  }
  const bridge = renderBridge(plan.settings, plan.runAs, native, plan.bridge);
  upsertContainer(native ? spec.initContainers : spec.containers, bridge);
}

/**
 * MCP_URL for the app's other containers; an existing variable of that name is the user's and is kept. Mesh proxies
 * and agents (infrastructure.ts) are not the app's and are never changed.
 */
function addUrlEnv(spec: EditableSpec, plan: InjectionPlan): void {
  const variable = { name: INJECTION.urlEnv, value: mcpUrl(plan.settings.port, plan.bridge.tls) };
  spec.containers = spec.containers.map((container) => {
    if (container.name === plan.serverContainer || container.name === INJECTION.sidecarContainer) return container;
    if (isInfrastructure(container)) return container;
    if (container.env?.some((env) => env.name === INJECTION.urlEnv)) return container;
    return { ...container, env: [...(container.env ?? []), { ...variable }] };
  });
}

function annotated(pod: PodObject, plan: InjectionPlan): PodObject['metadata'] {
  const annotations = { ...pod.metadata?.annotations };
  const shim = plan.serverCommand !== undefined;
  const volumes = [...(shim ? [INJECTION.volume] : []), ...plan.bridge.volumes.map((volume) => volume.name)];
  annotations[ANNOTATIONS.status] = renderStatus(
    statusFor(plan.version, plan.settings.mode, plan.serverContainer, volumes, shim),
  );
  if (plan.settings.mode === 'classic' && annotations[DEFAULT_CONTAINER_ANNOTATION] === undefined) {
    annotations[DEFAULT_CONTAINER_ANNOTATION] = plan.serverContainer;
  }
  return { ...pod.metadata, annotations };
}
