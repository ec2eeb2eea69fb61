// The admin endpoints, on their own port so probes and scrapes never compete with MCP traffic for a
// connection slot: /livez (the bridge itself), /readyz (the upstream is warm), /status (everything, as JSON)
// and /metrics (Prometheus text). Every request first passes the caller guards with the admin policy (no
// Origin at all; loopback Host names when bound to loopback, else also IP literals and --allowed-hosts), and the
// server has the MCP port's socket limits with a small connection cap of its own. Nothing here is a credential:
// /status names sessions by fingerprint only, and /metrics carries counts by bounded labels (sidecar/README.md).

import type { Server, ServerResponse } from 'node:http';

import { ADMIN_PATHS } from '@mcp-sidecar/contract';

import { type ConnectionRefusal, createListener, type SocketLimits } from '../http/listener.ts';
import type { RequestGuards } from '../http/stages/caller.ts';
import type { Metrics } from '../metrics.ts';

export interface Verdict {
  readonly ok: boolean;
  readonly reason?: string;
}

export interface HealthSource {
  liveness(): Verdict;
  readiness(): Verdict;
  status(): unknown;
}

/** Probes and scrapers need a handful of connections; more are answered 503 (then dropped). */
export const ADMIN_MAX_CONNECTIONS = 64;

export interface AdminOptions {
  readonly guards: RequestGuards;
  readonly limits: SocketLimits;
  readonly refused: (reason: ConnectionRefusal) => void;
}

export function createAdminServer(health: HealthSource, metrics: Metrics, options: AdminOptions): Server {
  const limits = { ...options.limits, maxConnections: ADMIN_MAX_CONNECTIONS };
  return createListener(
    (req, res) => {
      const refusal = options.guards.checkCaller(req.headers);
      if (refusal) return sendJson(res, refusal.status, { error: refusal.message });
      if (req.method !== 'GET' && req.method !== 'HEAD') return sendJson(res, 405, { error: 'use GET' });
      answer((req.url ?? '/').split('?')[0], health, metrics, res);
    },
    limits,
    options.refused,
  );
}

function answer(path: string | undefined, health: HealthSource, metrics: Metrics, res: ServerResponse): void {
  switch (path) {
    case ADMIN_PATHS.livez:
      return sendVerdict(res, health.liveness(), 'live');
    case ADMIN_PATHS.readyz:
      return sendVerdict(res, health.readiness(), 'ready');
    case ADMIN_PATHS.status:
      return sendJson(res, 200, health.status());
    case ADMIN_PATHS.metrics:
      metrics.registry.metrics().then(
        (text) => {
          res.writeHead(200, { 'content-type': metrics.registry.contentType });
          res.end(text);
        },
        (error: unknown) => sendJson(res, 500, { error: String(error) }),
      );
      return;
    default:
      sendJson(res, 404, { error: `unknown path; try ${Object.values(ADMIN_PATHS).join(', ')}` });
  }
}

function sendVerdict(res: ServerResponse, verdict: Verdict, what: 'live' | 'ready'): void {
  const body = verdict.ok ? { [what]: true } : { [what]: false, reason: verdict.reason };
  sendJson(res, verdict.ok ? 200 : 503, body);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}
