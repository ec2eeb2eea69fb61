// The one place the MCP port's server is made: plain HTTP, or HTTPS when --tls-cert is given. The admin port is
// always plain HTTP (probes).

import { createServer, type RequestListener, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';

import type { TlsFileContents } from '@mcp-sidecar/edge';

import { type TlsSettings, tlsOptions } from './tls.ts';

export type McpServer = HttpServer | HttpsServer;

const SERVER_OPTIONS = { keepAliveTimeout: 65_000, requestTimeout: 0 } as const;

export function createListener(handler: RequestListener, tls?: TlsSettings): McpServer {
  const server = tls
    ? createHttpsServer({ ...SERVER_OPTIONS, ...tlsOptions(tls.watcher.initial, tls.clientAuth) }, handler)
    : createServer(SERVER_OPTIONS, handler);
  // SSE streams are long-lived by design; the socket timeout must not cut them.
  server.setTimeout(0);
  return server;
}

/** New certificate files: new connections get them; open connections keep the context they shook hands with. */
export function reloadTls(server: McpServer, contents: TlsFileContents, tls: TlsSettings): void {
  (server as HttpsServer).setSecureContext(tlsOptions(contents, tls.clientAuth));
}
