// Names, ports and paths shared by the bridge, the shim and the injector (see DESIGN.md, "Names and ports").

export const PORTS = {
  /** The MCP endpoint of the bridge. */
  mcp: 8080,
  /** The bridge's admin endpoints: /livez, /readyz, /status, /metrics. */
  admin: 8081,
  /** The injector's HTTPS admission endpoint. */
  webhook: 8443,
  /** The injector's admin endpoints: /healthz, /readyz, /metrics. */
  webhookAdmin: 8444,
} as const;

export const ADMIN_PATHS = {
  livez: '/livez',
  readyz: '/readyz',
  status: '/status',
  metrics: '/metrics',
} as const;

/** What the injector adds to a pod, and where the pieces meet. */
export const INJECTION = {
  /** The bridge container (a native sidecar, or a classic container on old clusters). */
  sidecarContainer: 'mcp-sidecar',
  /** The init container that copies the shim into the shared volume. */
  shimInstallContainer: 'mcp-shim-install',
  /** The shared memory-backed emptyDir. */
  volume: 'mcp-sidecar',
  mountPath: '/mcp',
  /** Where the shim binary lives inside the bridge image. */
  shimInImage: '/usr/local/bin/mcp-shim',
  /** Where the install step puts the shim for the server container. */
  shimPath: '/mcp/bin/mcp-shim',
  /** The Unix socket on which the shim hands the server's stdio to the bridge. */
  socketPath: '/mcp/run/stdio.sock',
  /** Env var pointing the app's other containers at the bridge. */
  urlEnv: 'MCP_URL',
  /** Non-root user the injected containers run as unless the server's own user is known. */
  defaultUid: 65532,
} as const;

/**
 * mcp-shim's command line (sidecar/shim): the injector renders it, the shim parses it.
 * - `mcp-shim --install <dest>` copies the shim binary to <dest> (mode 0755) and exits; the image has no shell.
 * - `mcp-shim --listen <socket> [--socket-owner <uid>] -- <command> [args...]` creates <socket> owner-only (0600)
 *   and runs <command> for each accepted connection. `--socket-owner` chowns the socket to <uid> (only possible when
 *   the shim runs as root) so that a bridge running as that uid can connect.
 * - `mcp-shim --probe http://127.0.0.1:<port><path> [--timeout <seconds>]` GETs a loopback URL and exits 0 on a 2xx
 *   answer, else 1 with one line on stderr: the bridge's exec probes, which no service mesh redirects or rewrites.
 */
export const SHIM_FLAGS = {
  install: '--install',
  listen: '--listen',
  socketOwner: '--socket-owner',
  pty: '--pty',
  probe: '--probe',
  timeout: '--timeout',
  endOfOptions: '--',
} as const;

export const DEFAULT_SIDECAR_IMAGE = 'ghcr.io/mcp-sidecar/mcp-sidecar:0.1.0';

export interface ResourceRequirements {
  readonly requests?: { readonly cpu?: string; readonly memory?: string };
  readonly limits?: { readonly cpu?: string; readonly memory?: string };
}

/** Explicit resources for the bridge, so LimitRanger ordering never decides them. */
export const DEFAULT_SIDECAR_RESOURCES: ResourceRequirements = {
  requests: { cpu: '50m', memory: '64Mi' },
  limits: { cpu: '1', memory: '256Mi' },
};

/** The shim install step only copies one file. */
export const DEFAULT_SHIM_INSTALL_RESOURCES: ResourceRequirements = {
  requests: { cpu: '10m', memory: '16Mi' },
  limits: { cpu: '100m', memory: '32Mi' },
};
