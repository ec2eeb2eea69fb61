// The mcp.io/status annotation: a JSON record of what the injector added. Its presence is what lets the injector
// treat the reserved container and volume names as its own on re-invocation (and re-render them in place), instead
// of refusing them as a user's name clash.

import { ANNOTATIONS, INJECTION } from '@mcp-sidecar/contract';

import type { SidecarMode } from './config.ts';
import { isObject, isStringArray } from './json.ts';

export interface InjectionStatus {
  readonly version: string;
  readonly mode: SidecarMode;
  readonly serverContainer: string;
  readonly initContainers: readonly string[];
  readonly containers: readonly string[];
  readonly volumes: readonly string[];
}

/** The bridge's read-only volumes for the identity annotations (identity.ts): name and mount path of each. */
export const IDENTITY_VOLUMES = {
  tls: { volume: 'mcp-sidecar-tls', dir: '/etc/mcp-sidecar/tls' },
  auth: { volume: 'mcp-sidecar-auth', dir: '/etc/mcp-sidecar/auth' },
  policy: { volume: 'mcp-sidecar-policy', dir: '/etc/mcp-sidecar/policy' },
} as const;

/**
 * The names the injector adds to pods; a pod without mcp.io/status must not already use them. The identity volumes
 * are reserved only in pods whose annotations ask for them (checks.ts).
 */
export const RESERVED_CONTAINERS: readonly string[] = [INJECTION.shimInstallContainer, INJECTION.sidecarContainer];
export const RESERVED_VOLUMES: readonly string[] = [INJECTION.volume];

/**
 * `volumes`: every volume this pass adds (the shared one, then any identity volumes). `shim`: a stdio server behind
 * mcp-shim (its install step); false for an HTTP server (mcp.io/upstream), which gets the bridge only.
 */
export function statusFor(
  version: string,
  mode: SidecarMode,
  serverContainer: string,
  volumes: readonly string[],
  shim = true,
): InjectionStatus {
  const native = mode === 'native';
  const install = shim ? [INJECTION.shimInstallContainer] : [];
  return {
    version,
    mode,
    serverContainer,
    initContainers: native ? [...install, INJECTION.sidecarContainer] : install,
    containers: native ? [] : [INJECTION.sidecarContainer],
    volumes,
  };
}

/** Key order is fixed, so re-rendering the same status gives the same string (and an empty patch). */
export function renderStatus(status: InjectionStatus): string {
  const { version, mode, serverContainer, initContainers, containers, volumes } = status;
  return JSON.stringify({ version, mode, serverContainer, initContainers, containers, volumes });
}

/** The status the injector wrote earlier, or undefined when the annotation is absent or not one of ours. */
export function readStatus(annotations: Readonly<Record<string, string>>): InjectionStatus | undefined {
  const raw = annotations[ANNOTATIONS.status];
  if (raw === undefined) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (!isObject(json)) return undefined;
  const { version, mode, serverContainer, initContainers, containers, volumes } = json;
  const valid =
    typeof version === 'string' &&
    (mode === 'native' || mode === 'classic') &&
    typeof serverContainer === 'string' &&
    isStringArray(initContainers) &&
    isStringArray(containers) &&
    isStringArray(volumes);
  return valid ? { version, mode, serverContainer, initContainers, containers, volumes } : undefined;
}
