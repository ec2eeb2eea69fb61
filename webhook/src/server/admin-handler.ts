// The admin port (plain HTTP, never exposed through the webhook Service): /healthz says the process is alive,
// /readyz says a certificate is loaded and the HTTPS server is accepting, /metrics is Prometheus text.

import type { IncomingMessage, ServerResponse } from 'node:http';

import type { Metrics } from './metrics.ts';

export interface AdminHandlerOptions {
  readonly metrics: Metrics;
  readonly ready: () => boolean;
}

export function createAdminHandler(options: AdminHandlerOptions) {
  const send = (response: ServerResponse, status: number, body: string, type = 'text/plain; charset=utf-8') => {
    response.writeHead(status, { 'content-type': type });
    response.end(body);
  };
  return (request: IncomingMessage, response: ServerResponse): void => {
    const path = new URL(request.url ?? '/', 'http://admin').pathname;
    if (request.method !== 'GET' && request.method !== 'HEAD') return send(response, 405, 'use GET\n');
    if (path === '/healthz') return send(response, 200, 'ok\n');
    if (path === '/readyz')
      return options.ready() ? send(response, 200, 'ready\n') : send(response, 503, 'not ready\n');
    if (path !== '/metrics') return send(response, 404, 'not found: /healthz, /readyz, /metrics\n');
    options.metrics.registry.metrics().then(
      (text) => send(response, 200, text, options.metrics.registry.contentType),
      (error: unknown) => send(response, 500, `metrics failed: ${String(error)}\n`),
    );
  };
}
