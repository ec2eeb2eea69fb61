// The one place the MCP port's server is made. Plain HTTP today; TLS plugs in here.

import { createServer, type RequestListener, type Server } from 'node:http';

export function createListener(handler: RequestListener): Server {
  const server = createServer({ keepAliveTimeout: 65_000, requestTimeout: 0 }, handler);
  // SSE streams are long-lived by design; the socket timeout must not cut them.
  server.setTimeout(0);
  return server;
}
