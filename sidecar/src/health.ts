// What /livez, /readyz and /status say, derived from the live objects at the moment of the probe. /status never shows
// a session id: on a 2025-11-25 session the id is the only credential, and anyone who reaches the admin port (in a
// pod, anything on the cluster network) must not be able to take a session over. Sessions are listed by fingerprint.

import { createHash } from 'node:crypto';

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
  // The server's own trouble first (a missing socket, a failing warm-up): it is what an operator can act on.
  const upstream = upstreamReadiness(shared, pool);
  if (!upstream.ok) return upstream;
  const era = modern?.readiness();
  return era ? { ok: false, reason: era } : { ok: true };
}

function upstreamReadiness(shared: HealthParts['shared'], pool: HealthParts['pool']): Verdict {
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

/**
 * A session's name on the admin port and in logs: the first 8 hex digits of the SHA-256 of its id. Enough to tell
 * sessions apart and to match a log line (`echo -n <id> | sha256sum | cut -c1-8`), useless to act as the session.
 */
export const sessionFingerprint = (id: string): string => createHash('sha256').update(id).digest('hex').slice(0, 8);

function status(parts: HealthParts): unknown {
  const { config, sessions, shared, pool } = parts;
  const list = [...sessions.sessions()].map((session) => ({
    fingerprint: sessionFingerprint(session.id),
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
