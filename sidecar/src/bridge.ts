// Assembles a running bridge from a parsed configuration: upstreams (shared, or a warm pool), the session
// table, the MCP and admin HTTP servers. main.ts runs it as a program; tests start it in-process.

import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

import type { BridgeConfig } from '@mcp-sidecar/contract';

import { createAdminServer } from './admin/admin-server.ts';
import { healthOf } from './health.ts';
import type { HttpContext } from './http/context.ts';
import { RequestGuards } from './http/guards.ts';
import { createMcpServer } from './http/server.ts';
import type { Logger } from './log.ts';
import { Metrics } from './metrics.ts';
import { SessionManager } from './session/session-manager.ts';
import { spawnChild } from './upstream/child-connection.ts';
import type { Connector } from './upstream/connection.ts';
import { UpstreamPool } from './upstream/pool.ts';
import { connectUnix } from './upstream/unix-connection.ts';
import { Upstream, type UpstreamOptions } from './upstream/upstream.ts';

export interface Bridge {
  /** e.g. http://127.0.0.1:8080/mcp */
  readonly url: string;
  readonly adminUrl: string;
  readonly metrics: Metrics;
  readonly sessions: SessionManager;
  /** Stops accepting, lets in-flight requests finish within --shutdown-grace, then closes everything. */
  close(): Promise<void>;
}

export async function startBridge(config: BridgeConfig, command: readonly string[], log: Logger): Promise<Bridge> {
  const { sessions, metrics, parts, health, ctx } = assemble(config, command, log);
  const mcpServer = createMcpServer(ctx);
  const adminServer = createAdminServer(health, metrics);
  const [mcpAddress, adminAddress] = await Promise.all([
    listen(mcpServer, config.port, config.host),
    listen(adminServer, config.adminPort, config.adminHost),
  ]);
  void parts.shared?.keepRunning();
  parts.pool?.fill();
  sessions.startTicking();
  return {
    url: `http://${hostForUrl(config.host)}:${mcpAddress.port}${config.path}`,
    adminUrl: `http://${hostForUrl(config.adminHost)}:${adminAddress.port}`,
    metrics,
    sessions,
    close: () => shutdown({ config, log, ctx, mcpServer, adminServer, ...parts }),
  };
}

/** Builds the object graph: upstreams (the shared one, or a pool), the session table, metrics, health. */
function assemble(config: BridgeConfig, command: readonly string[], log: Logger) {
  // The metrics' gauges and the upstreams' routing reach the session table through this late-bound reference:
  // the table itself needs both to be built first.
  const late: { sessions?: SessionManager; ready?: () => boolean } = {};
  const parts: { shared?: Upstream; pool?: UpstreamPool } = {};
  const metrics = new Metrics({
    sessions: () => late.sessions?.size ?? 0,
    inflight: () => sumOpenRequests(late.sessions),
    children: () => (parts.shared ? 1 : (late.sessions?.size ?? 0) + (parts.pool?.status.ready ?? 0)),
    poolReady: () => parts.pool?.status.ready ?? 0,
    ready: () => late.ready?.() ?? false,
  });
  const createUpstream = upstreamFactory(config, command, log, metrics, (id, message) =>
    late.sessions?.notify(id, message),
  );
  if (config.sessionMode === 'shared') parts.shared = createUpstream();
  else parts.pool = new UpstreamPool(createUpstream, config.poolMin, log);
  const sessions = new SessionManager({ config, log, metrics, ...parts, createUpstream });
  late.sessions = sessions;
  const guards = new RequestGuards(config);
  const ctx: HttpContext = { config, sessions, metrics, log, guards, legacyWaiting: new Map(), draining: false };
  const health = healthOf({ config, command, sessions, ...parts, isDraining: () => ctx.draining });
  late.ready = () => health.readiness().ok;
  return { sessions, metrics, parts, health, ctx };
}

function upstreamFactory(
  config: BridgeConfig,
  command: readonly string[],
  log: Logger,
  metrics: Metrics,
  notifySession: UpstreamOptions['notifySession'],
): () => Upstream {
  const connect = connectorFor(config, command);
  const exclusive = config.sessionMode === 'per-session';
  const options = { connect, exclusive, restart: !exclusive, warmup: config.warmup, log, metrics, notifySession };
  return () => new Upstream(options);
}

function connectorFor(config: BridgeConfig, command: readonly string[]): Connector {
  const upstream = config.upstream;
  const maxMessageSize = config.maxMessageSize;
  if (upstream) return (events) => connectUnix({ path: upstream.path, maxMessageSize }, events);
  return (events) => spawnChild({ command, maxMessageSize }, events);
}

function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

const hostForUrl = (host: string): string => (host.includes(':') ? `[${host}]` : host);

function sumOpenRequests(sessions: SessionManager | undefined): number {
  let total = 0;
  for (const session of sessions?.sessions() ?? []) total += session.openRequests;
  return total;
}

interface ShutdownParts {
  readonly config: BridgeConfig;
  readonly log: Logger;
  readonly ctx: HttpContext;
  readonly mcpServer: Server;
  readonly adminServer: Server;
  readonly shared?: Upstream;
  readonly pool?: UpstreamPool;
}

async function shutdown(parts: ShutdownParts): Promise<void> {
  const { ctx, log } = parts;
  if (ctx.draining) return;
  ctx.draining = true;
  parts.mcpServer.close();
  const deadline = Date.now() + parts.config.shutdownGrace;
  while (sumOpenRequests(ctx.sessions) > 0 && Date.now() < deadline) await sleep(50);
  const unfinished = sumOpenRequests(ctx.sessions);
  log.info(
    { unfinished },
    unfinished ? 'grace period over; closing with requests in flight' : 'in-flight requests done',
  );
  // Upstreams first: requests still in flight get an error saying the bridge is shutting down, on streams
  // that are still open; then the sessions and their streams.
  await Promise.all([parts.shared?.close(), parts.pool?.close(), ctx.sessions.closeUpstreams()]);
  await ctx.sessions.closeAll();
  parts.mcpServer.closeAllConnections();
  parts.adminServer.close();
  parts.adminServer.closeAllConnections();
}
