// Assembles a running bridge from a parsed configuration: upstreams (shared, or a warm pool), the session
// table, the MCP and admin HTTP servers. main.ts runs it as a program; tests start it in-process.

import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

import { type BridgeConfig, upstreamSpec, type UpstreamSpec } from '@mcp-sidecar/contract';

import { createAdminServer } from './admin/admin-server.ts';
import { cannotStart } from './errors.ts';
import { healthOf } from './health.ts';
import type { HttpDeps } from './http/deps.ts';
import { type Edges, startEdges } from './edges.ts';
import { type ConnectionRefusal, createListener, type McpServer, reloadTls } from './http/listener.ts';
import { createMcpHandler } from './http/server.ts';
import { adminPolicy, RequestGuards } from './http/stages/caller.ts';
import { requestStages } from './http/stages/index.ts';
import type { Logger } from './log.ts';
import { Metrics } from './metrics.ts';
import { modernService } from './modern/assemble.ts';
import { EraDetector, probingHandshake } from './modern/upstream-era.ts';
import type { ModernService } from './modern/service.ts';
import { requestDecorators } from './router/decorators.ts';
import { SessionManager } from './session/session-manager.ts';
import { KEEPALIVE_COMMENT } from './session/sse.ts';
import { transportFor } from './upstream/kinds/index.ts';
import type { TransportFactory } from './upstream/transport.ts';
import { type UpstreamFactory, UpstreamPool } from './upstream/pool.ts';
import { Upstream } from './upstream/upstream.ts';

export interface Bridge {
  /** e.g. http://127.0.0.1:8080/mcp */
  readonly url: string;
  readonly adminUrl: string;
  readonly metrics: Metrics;
  readonly sessions: SessionManager;
  /** Stops accepting, lets in-flight requests finish within --shutdown-grace, then closes everything. */
  close(): Promise<void>;
}

/**
 * Starts a bridge in front of the upstream that `--upstream` names, or the command after `--`. Throws SetupError when
 * a file the configuration names (certificates, tokens, JWKS, policy) cannot be used.
 */
export async function startBridge(config: BridgeConfig, command: readonly string[], log: Logger): Promise<Bridge> {
  let url = '';
  const edges = await startEdges(config, () => url, log);
  const upstream = upstreamSpec(config, command);
  const settings = { maxMessageSize: config.maxMessageSize, maxJsonDepth: config.maxJsonDepth };
  const open = await transportFor(upstream, settings);
  const { sessions, metrics, parts, deps, admin } = await assemble(
    config,
    upstream,
    open,
    log,
    edges.identity.metadata,
  );
  const stages = requestStages(config, { identity: edges.identity.settings, tracing: edges.tracing?.stage });
  const mcpServer = createListener(createMcpHandler(deps, stages), config, refusedBy(metrics), edges.tls);
  edges.onTlsChange = (contents) => reloadTls(mcpServer, contents, edges.tls!);
  const [mcpAddress, adminAddress] = await Promise.all([
    listen(mcpServer, config.port, config.host, 'MCP endpoint', '--port'),
    listen(admin, config.adminPort, config.adminHost, 'admin endpoints', '--admin-port'),
  ]);
  url = `${edges.tls ? 'https' : 'http'}://${hostForUrl(config.host)}:${mcpAddress.port}${config.path}`;
  void parts.shared?.keepRunning();
  parts.pool?.fill();
  sessions.startTicking();
  deps.modern.startTicking(MODERN_TICK_MS, config.sseKeepalive, KEEPALIVE_COMMENT);
  return {
    url,
    adminUrl: `http://${hostForUrl(config.adminHost)}:${adminAddress.port}`,
    metrics,
    sessions,
    close: () => shutdown({ config, log, deps, mcpServer, adminServer: admin, edges, ...parts }),
  };
}

interface UpstreamParts {
  readonly shared?: Upstream;
  readonly pool?: UpstreamPool;
}

/** Builds the object graph, each part from the ones before it: upstreams, the session table, health, metrics. */
async function assemble(
  config: BridgeConfig,
  upstream: UpstreamSpec,
  open: TransportFactory,
  log: Logger,
  metadata: HttpDeps['metadata'],
) {
  const metrics = new Metrics();
  const detector = new EraDetector(config.upstreamProtocol, log);
  const upstreamOptions = upstreamOptionsOf(config, open, log, metrics, detector);
  const createUpstream: UpstreamFactory = (onEnded) => new Upstream({ ...upstreamOptions, onEnded });
  const parts: UpstreamParts =
    config.sessionMode === 'shared'
      ? { shared: createUpstream() }
      : { pool: new UpstreamPool(createUpstream, config.poolMin, log) };
  const sessions = new SessionManager({ config, log, metrics, ...parts, createUpstream });
  const modern = await modernService({ config, log, metrics, ...parts, createUpstream, upstreamOptions, detector });
  const common = { config, sessions, modern, metrics, log };
  const deps: HttpDeps = { ...common, metadata, legacyWaiting: new Map(), draining: false };
  const health = healthOf({ config, upstream, sessions, modern, ...parts, isDraining: () => deps.draining });
  metrics.observe({
    sessions: () => sessions.size,
    inflight: () => sumOpenRequests(sessions, modern),
    children: () => (parts.shared ? 1 : sessions.size + (parts.pool?.status.ready ?? 0) + modern.lane.size),
    poolReady: () => parts.pool?.status.ready ?? 0,
    ready: () => health.readiness().ok,
    inputWaiting: () => modern.calls.waiting,
    listenStreams: () => modern.hub.size,
  });
  const guards = new RequestGuards(adminPolicy(config));
  const admin = createAdminServer(health, metrics, { guards, limits: config, refused: refusedBy(metrics) });
  return { sessions, metrics, parts, deps, admin };
}

const refusedBy = (metrics: Metrics) => (reason: ConnectionRefusal) => metrics.connectionsClosed.inc({ reason });

/** How often long 2026-07-28 answers are checked for turning into streams (as sessions' are). */
const MODERN_TICK_MS = 500;

/** How every 2025-era upstream is made; with --upstream-protocol auto its first handshake probes the server's era. */
function upstreamOptionsOf(
  config: BridgeConfig,
  open: TransportFactory,
  log: Logger,
  metrics: Metrics,
  detector: EraDetector,
) {
  const exclusive = config.sessionMode === 'per-session';
  const decorators = requestDecorators(config);
  const limits = {
    requestTimeout: config.requestTimeout,
    logRate: config.upstreamLogRate,
    maxJsonDepth: config.maxJsonDepth,
  };
  const handshake = config.upstreamProtocol === 'auto' ? probingHandshake(detector) : undefined;
  const options = { open, exclusive, restart: !exclusive, warmup: config.warmup, decorators, log, metrics, limits };
  return { ...options, handshake };
}

function listen(server: McpServer, port: number, host: string, what: string, flag: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    const failed = (error: NodeJS.ErrnoException) => reject(cannotStart.listen(what, flag, host, port, error.code));
    server.once('error', failed);
    server.listen(port, host, () => {
      server.off('error', failed);
      resolve(server.address() as AddressInfo);
    });
  });
}

const hostForUrl = (host: string): string => (host.includes(':') ? `[${host}]` : host);

function sumOpenRequests(sessions: SessionManager, modern: ModernService): number {
  let total = modern.calls.answering;
  for (const session of sessions.sessions()) total += session.openRequests;
  return total;
}

interface ShutdownParts extends UpstreamParts {
  readonly config: BridgeConfig;
  readonly log: Logger;
  readonly deps: HttpDeps;
  readonly mcpServer: McpServer;
  readonly adminServer: Server;
  readonly edges: Edges;
}

async function shutdown(parts: ShutdownParts): Promise<void> {
  const { deps, log } = parts;
  if (deps.draining) return;
  deps.draining = true;
  parts.mcpServer.close();
  const deadline = Date.now() + parts.config.shutdownGrace;
  while (sumOpenRequests(deps.sessions, deps.modern) > 0 && Date.now() < deadline) await sleep(50);
  const unfinished = sumOpenRequests(deps.sessions, deps.modern);
  log.info(
    { unfinished },
    unfinished ? 'grace period over; closing with requests in flight' : 'in-flight requests done',
  );
  // Upstreams first: requests still in flight get an error saying the bridge is shutting down, on streams
  // that are still open; then the sessions and their streams.
  await deps.modern.close();
  await Promise.all([parts.shared?.close(), parts.pool?.close(), deps.sessions.closeUpstreams()]);
  await deps.sessions.closeAll();
  parts.mcpServer.closeAllConnections();
  parts.adminServer.close();
  parts.adminServer.closeAllConnections();
  // Last: the spans of the requests that just finished are exported too.
  await parts.edges.close();
}
