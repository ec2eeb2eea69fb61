// The injected pieces as data: the shared volume, the shim install step and the bridge. Every nested value is
// fully explicit (probe thresholds, scheme, protocol) so that API-server defaulting adds nothing inside them and a
// re-rendered piece compares equal to the admitted one.

import {
  ADMIN_PATHS,
  BRIDGE_OPTIONS,
  type BridgeConfig,
  DEFAULT_SHIM_INSTALL_RESOURCES,
  INJECTION,
  PORTS,
  type ResourceRequirements,
  SHIM_FLAGS,
  toBridgeArgs,
} from '@mcp-sidecar/contract';

import type { BridgeExtras } from './identity.ts';
import type { JsonObject } from './json.ts';
import type { Container, Volume, VolumeMount } from './pod.ts';
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

/**
 * An exec probe: mcp-shim (in the bridge image) GETs the admin endpoint on loopback from inside the bridge container.
 * A service mesh redirects every inbound connection to the pod IP into its proxy, the kubelet's httpGet probes
 * included, and Istio rewrites the httpGet probes it sees to its own agent's port; neither happens to a loopback
 * connection made inside the pod, nor to an exec probe, so the bridge starts in any mesh, in any injection order,
 * with the proxy a native or a classic sidecar (webhook/README.md, "Behind a service mesh"). `budget` is the HTTP
 * deadline the shim enforces itself; the kubelet's timeout is one second more, for starting the process.
 */
const probe = (path: string, periodSeconds: number, failureThreshold: number, budget: number): JsonObject => ({
  exec: {
    command: [
      INJECTION.shimInImage,
      SHIM_FLAGS.probe,
      `http://127.0.0.1:${PORTS.admin}${path}`,
      SHIM_FLAGS.timeout,
      String(budget),
    ],
  },
  periodSeconds,
  failureThreshold,
  timeoutSeconds: budget + 1,
  successThreshold: 1,
});

export function bridgeArgs(settings: PodSettings, extra: Partial<BridgeConfig> = {}): string[] {
  return toBridgeArgs({
    host: '0.0.0.0',
    port: settings.port,
    adminHost: '0.0.0.0',
    adminPort: PORTS.admin,
    upstream: settings.http ?? { kind: 'unix', path: INJECTION.socketPath },
    ...(settings.sessionMode === undefined ? {} : { sessionMode: settings.sessionMode }),
    ...(settings.warmup === undefined ? {} : { warmup: settings.warmup }),
    ...extra,
  });
}

/** The bridge; `native` adds `restartPolicy: Always`, which makes an init container a sidecar. */
export function renderBridge(settings: PodSettings, runAs: RunAs, native: boolean, extras: BridgeExtras): Container {
  return {
    name: INJECTION.sidecarContainer,
    image: settings.image,
    // The image's ENTRYPOINT is mcp-sidecar, so only args are set.
    args: bridgeArgs(settings, extras.args),
    ...(extras.env.length > 0 ? { env: extras.env.map((variable) => structuredClone(variable)) } : {}),
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
    // compromised bridge cannot replace the shim binary the server container executes. An HTTP server (mcp.io/upstream)
    // shares no volume with the bridge.
    ...mountsOf(settings, extras),
  };
}

function mountsOf(settings: PodSettings, extras: BridgeExtras): { volumeMounts?: VolumeMount[] } {
  const shared = settings.http ? [] : [{ name: INJECTION.volume, mountPath: INJECTION.mountPath, readOnly: true }];
  const mounts = [...shared, ...extras.mounts.map((mount) => ({ ...mount }))];
  return mounts.length > 0 ? { volumeMounts: mounts } : {};
}

/** What other app containers use to reach the bridge; https when the MCP port serves TLS (mcp.io/tls-secret). */
export function mcpUrl(port: number, tls = false): string {
  return `${tls ? 'https' : 'http'}://127.0.0.1:${port}${BRIDGE_OPTIONS.path.default}`;
}
