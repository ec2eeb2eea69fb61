// The admin endpoints, on their own port so probes and scrapes never compete with MCP traffic for a
// connection slot: /livez (the bridge itself), /readyz (the upstream is warm), /status (everything, as JSON)
// and /metrics (Prometheus text).

import { createServer, type Server, type ServerResponse } from 'node:http';

import { ADMIN_PATHS } from '@mcp-sidecar/contract';

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

export function createAdminServer(health: HealthSource, metrics: Metrics): Server {
  return createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendJson(res, 405, { error: 'use GET' });
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
  });
}

function sendVerdict(res: ServerResponse, verdict: Verdict, what: 'live' | 'ready'): void {
  const body = verdict.ok ? { [what]: true } : { [what]: false, reason: verdict.reason };
  sendJson(res, verdict.ok ? 200 : 503, body);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}
