// The injected pieces as data: the shared volume, the shim install step and the bridge. Every nested value is
// fully explicit (probe thresholds, scheme, protocol) so that API-server defaulting adds nothing inside them and a
// re-rendered piece compares equal to the admitted one.

import {
  ADMIN_PATHS,
  BRIDGE_OPTIONS,
  DEFAULT_SHIM_INSTALL_RESOURCES,
  INJECTION,
  PORTS,
  type ResourceRequirements,
  SHIM_FLAGS,
  toBridgeArgs,
} from '@mcp-sidecar/contract';

import type { JsonObject } from './json.ts';
import type { Container, Volume } from './pod.ts';
import type { PodSettings } from './settings.ts';

/** Who the injected containers run as, and whether the shim must hand its socket to that user. */
export interface RunAs {
  readonly uid: number;
  readonly gid: number | undefined;
  /** Set when the shim's user is not the bridge's: the shim chowns the socket to this uid. */
  readonly socketOwner: number | undefined;
}

/** The bridge keeps the socket in a memory-backed volume; 16Mi holds the shim binary with room to spare. */
export const VOLUME_SIZE_LIMIT = '16Mi';

export function renderVolume(): Volume {
  return { name: INJECTION.volume, emptyDir: { medium: 'Memory', sizeLimit: VOLUME_SIZE_LIMIT } };
}

/** The restricted Pod Security Standard, met by every container the injector adds. */
export function restrictedSecurityContext(runAs: RunAs): JsonObject {
  return {
    allowPrivilegeEscalation: false,
    capabilities: { drop: ['ALL'] },
    readOnlyRootFilesystem: true,
    runAsNonRoot: true,
    runAsUser: runAs.uid,
    ...(runAs.gid === undefined ? {} : { runAsGroup: runAs.gid }),
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/** A fresh copy per pod (resources hold two flat maps), so no two pods share objects with the defaults. */
const copyResources = (resources: ResourceRequirements): JsonObject => ({
  ...(resources.requests ? { requests: { ...resources.requests } } : {}),
  ...(resources.limits ? { limits: { ...resources.limits } } : {}),
});

export function renderShimInstall(image: string, runAs: RunAs): Container {
  return {
    name: INJECTION.shimInstallContainer,
    image,
    // The image has no shell: the shim copies itself.
    command: [INJECTION.shimInImage, SHIM_FLAGS.install, INJECTION.shimPath],
    resources: copyResources(DEFAULT_SHIM_INSTALL_RESOURCES),
    securityContext: restrictedSecurityContext(runAs),
    terminationMessagePolicy: 'FallbackToLogsOnError',
    volumeMounts: [{ name: INJECTION.volume, mountPath: INJECTION.mountPath }],
  };
}

const probe = (path: string, periodSeconds: number, failureThreshold: number, timeoutSeconds: number): JsonObject => ({
  httpGet: { path, port: PORTS.admin, scheme: 'HTTP' },
  periodSeconds,
  failureThreshold,
  timeoutSeconds,
  successThreshold: 1,
});

export function bridgeArgs(settings: PodSettings): string[] {
  return toBridgeArgs({
    host: '0.0.0.0',
    port: settings.port,
    adminHost: '0.0.0.0',
    adminPort: PORTS.admin,
    upstream: settings.http ?? { kind: 'unix', path: INJECTION.socketPath },
    ...(settings.sessionMode === undefined ? {} : { sessionMode: settings.sessionMode }),
    ...(settings.warmup === undefined ? {} : { warmup: settings.warmup }),
  });
}

/** The bridge; `native` adds `restartPolicy: Always`, which makes an init container a sidecar. */
export function renderBridge(settings: PodSettings, runAs: RunAs, native: boolean): Container {
  return {
    name: INJECTION.sidecarContainer,
    image: settings.image,
    // The image's ENTRYPOINT is mcp-sidecar, so only args are set.
    args: bridgeArgs(settings),
    ports: [
      { name: 'mcp', containerPort: settings.port, protocol: 'TCP' },
      { name: 'mcp-admin', containerPort: PORTS.admin, protocol: 'TCP' },
    ],
    ...(native ? { restartPolicy: 'Always' } : {}),
    // /livez is about the bridge itself, so start-up does not wait for the server; 1s steps, up to 2 minutes.
    startupProbe: probe(ADMIN_PATHS.livez, 1, 120, 1),
    readinessProbe: probe(ADMIN_PATHS.readyz, 5, 3, 2),
    livenessProbe: probe(ADMIN_PATHS.livez, 10, 3, 3),
    resources: copyResources(settings.resources),
    securityContext: restrictedSecurityContext(runAs),
    terminationMessagePolicy: 'FallbackToLogsOnError',
    // Read-only: the bridge only connects to the socket (connect() needs no write access to the mount), so a
    // compromised bridge cannot replace the shim binary the server container executes. None for an HTTP server.
    ...(settings.http
      ? {}
      : { volumeMounts: [{ name: INJECTION.volume, mountPath: INJECTION.mountPath, readOnly: true }] }),
  };
}

/** What other app containers use to reach the bridge. */
export function mcpUrl(port: number): string {
  return `http://127.0.0.1:${port}${BRIDGE_OPTIONS.path.default}`;
}
