// What /livez, /readyz and /status say, derived from the live objects at the moment of the probe.

import { type BridgeConfig, describeUpstream, type UpstreamSpec } from '@mcp-sidecar/contract';

import type { HealthSource, Verdict } from './admin/admin-server.ts';
import type { ModernService } from './modern/service.ts';
import type { SessionManager } from './session/session-manager.ts';
import type { UpstreamPool } from './upstream/pool.ts';
import type { Upstream } from './upstream/upstream.ts';
import { BRIDGE_VERSION } from './version.ts';

export interface HealthParts {
  readonly config: BridgeConfig;
  readonly upstream: UpstreamSpec;
  readonly sessions: SessionManager;
  readonly modern?: ModernService;
  readonly shared?: Upstream;
  readonly pool?: UpstreamPool;
  readonly isDraining: () => boolean;
}

export function healthOf(parts: HealthParts): HealthSource {
  return {
    liveness: () => liveness(parts),
    readiness: () => readiness(parts),
    status: () => status(parts),
  };
}

/**
 * The bridge answers, so its event loop runs; it fails only in a crash loop of the server it spawns or reaches,
 * so the platform shows it. Waiting for a server that is not there yet is not a crash (see Upstream.crashLoop).
 */
function liveness({ shared, pool }: HealthParts): Verdict {
  const crashLoop = shared?.crashLoop ?? pool?.status.crashLoop;
  return crashLoop ? { ok: false, reason: crashLoop } : { ok: true };
}

function readiness({ shared, pool, modern, isDraining }: HealthParts): Verdict {
  if (isDraining()) return { ok: false, reason: 'shutting down' };
  const era = modern?.readiness();
  if (era) return { ok: false, reason: era };
  if (shared) {
    if (shared.state === 'ready') return { ok: true };
    const why = shared.lastError ?? 'the first handshake and warm-up have not finished';
    return { ok: false, reason: `upstream ${shared.state}: ${why}` };
  }
  const pooled = pool?.status;
  if (!pooled || pooled.healthy) return { ok: true };
  const progress = `${pooled.ready}/${pooled.min} warm upstreams`;
  return { ok: false, reason: pooled.lastError ? `${progress}; last warm-up failed: ${pooled.lastError}` : progress };
}

function status(parts: HealthParts): unknown {
  const { config, sessions, shared, pool } = parts;
  const list = [...sessions.sessions()].map((session) => ({
    id: session.id,
    transport: session.transport,
    protocolVersion: session.protocolVersion,
    openRequests: session.openRequests,
    idleMs: Date.now() - session.lastActivity,
    upstream: shared ? undefined : upstreamStatus(session.upstream),
  }));
  return {
    version: BRIDGE_VERSION,
    mode: config.sessionMode,
    upstream: parts.upstream.kind === 'spawn' ? { command: parts.upstream.command } : describeUpstream(parts.upstream),
    live: liveness(parts),
    ready: readiness(parts),
    shared: shared ? upstreamStatus(shared) : undefined,
    pool: pool ? { ...pool.status, upstreams: pool.upstreams.map(upstreamStatus) } : undefined,
    sessions: { open: list.length, max: config.maxSessions, list },
    modern: parts.modern?.status(),
  };
}

function upstreamStatus(upstream: Upstream) {
  const info = upstream.router.initializeResult?.serverInfo;
  return {
    state: upstream.state,
    connection: upstream.description,
    pid: upstream.pid,
    protocolVersion: upstream.negotiatedVersion,
    serverInfo: info,
    inflight: upstream.router.inflight,
    sessions: upstream.router.sessionCount,
    lastError: upstream.lastError,
  };
}
