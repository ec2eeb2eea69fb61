// Applies an injection plan to a pod: pure (the input is never modified) and a fixed point
// (mutate(mutate(p)) deep-equals mutate(p)). Every step is an upsert keyed by a name the injector owns: a piece that
// is missing is added, a piece that is present is re-rendered in place. Re-rendering overlays the rendered fields on
// the existing container, so fields the API server defaulted after an earlier pass (imagePullPolicy,
// terminationMessagePath) stay, and re-invocation yields an empty patch.

import { ANNOTATIONS, INJECTION } from '@mcp-sidecar/contract';

import type { Container, PodObject, PodSpec, VolumeMount } from './pod.ts';
import type { InjectionPlan } from './policy.ts';
import { mcpUrl, renderBridge, renderShimInstall, renderVolume } from './render.ts';
import { renderStatus, statusFor } from './status.ts';

/** kubectl logs/exec pick this container when none is named; classic pods have the bridge among their containers. */
export const DEFAULT_CONTAINER_ANNOTATION = 'kubectl.kubernetes.io/default-container';

export function mutate(pod: PodObject, plan: InjectionPlan): PodObject {
  const out = structuredClone(pod);
  const spec = out.spec;
  replaceOrAppend((spec.volumes ??= []), renderVolume());
  rewriteServer(spec, plan);
  placeInjectedContainers(spec, plan);
  addUrlEnv(spec, plan);
  annotate(out, plan);
  return out;
}

function replaceOrAppend<T extends { name: string }>(list: T[], item: T): void {
  const index = list.findIndex((existing) => existing.name === item.name);
  if (index === -1) list.push(item);
  else list[index] = item;
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

function rewriteServer(spec: PodSpec, plan: InjectionPlan): void {
  const server = spec.containers.find((c) => c.name === plan.serverContainer);
  if (!server) throw new Error(`server container "${plan.serverContainer}" vanished between policy and mutate`);
  server.command = [...plan.serverCommand];
  const mount: VolumeMount = { name: INJECTION.volume, mountPath: INJECTION.mountPath };
  const mounts = (server.volumeMounts ??= []);
  const index = mounts.findIndex((m) => m.name === INJECTION.volume);
  if (index === -1) mounts.push(mount);
  else mounts[index] = { ...mounts[index], ...mount };
}

/**
 * Native: `initContainers: [...existing, mcp-shim-install, mcp-sidecar]`, so existing init containers and other
 * meshes' sidecars start first. Classic: the shim install is the last init container and the bridge the last container.
 */
function placeInjectedContainers(spec: PodSpec, plan: InjectionPlan): void {
  const native = plan.settings.mode === 'native';
  const init = (spec.initContainers ??= []);
  // A layout change between passes moves the bridge to the other list.
  const stale = native ? spec.containers : init;
  const staleIndex = stale.findIndex((c) => c.name === INJECTION.sidecarContainer);
  if (staleIndex !== -1) stale.splice(staleIndex, 1);
  upsertContainer(init, renderShimInstall(plan.settings.image, plan.runAs), native ? INJECTION.sidecarContainer : undefined);
  upsertContainer(native ? init : spec.containers, renderBridge(plan.settings, plan.runAs, native));
}

/** MCP_URL for the app's other containers; an existing variable of that name is the user's and is kept. */
function addUrlEnv(spec: PodSpec, plan: InjectionPlan): void {
  const value = mcpUrl(plan.settings.port);
  for (const container of spec.containers) {
    if (container.name === plan.serverContainer || container.name === INJECTION.sidecarContainer) continue;
    const env = (container.env ??= []);
    if (!env.some((variable) => variable.name === INJECTION.urlEnv)) env.push({ name: INJECTION.urlEnv, value });
  }
}

function annotate(pod: PodObject, plan: InjectionPlan): void {
  const annotations = ((pod.metadata ??= {}).annotations ??= {});
  const status = statusFor(plan.version, plan.settings.mode, plan.serverContainer);
  annotations[ANNOTATIONS.status] = renderStatus(status);
  if (plan.settings.mode === 'classic' && annotations[DEFAULT_CONTAINER_ANNOTATION] === undefined) {
    annotations[DEFAULT_CONTAINER_ANNOTATION] = plan.serverContainer;
  }
}
