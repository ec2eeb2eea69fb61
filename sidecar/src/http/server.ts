// The MCP HTTP server, on bare node:http: the hot path costs a few microseconds less per call here than on a
// framework (see DESIGN.md, "Measured: the HTTP framework matters"). It checks Origin and Host on every MCP
// path first, then hands over to the Streamable HTTP or the legacy HTTP+SSE endpoint.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

import type { HttpContext } from './context.ts';
import { handleLegacyMessage, handleLegacySse, LEGACY_MESSAGES_PATH, LEGACY_SSE_PATH } from './legacy-endpoint.ts';
import { handleMcp } from './mcp-endpoint.ts';
import { replyError } from './replies.ts';

export function createMcpServer(ctx: HttpContext): Server {
  const server = createServer({ keepAliveTimeout: 65_000, requestTimeout: 0 }, (req, res) => {
    dispatch(ctx, req, res).catch((error: unknown) => {
      ctx.log.error({ err: error, path: req.url }, 'request failed');
      replyError(res, 500, 'Internal Server Error: mcp-sidecar failed to handle the request; see its logs', {
        code: -32603,
      });
    });
  });
  // SSE streams are long-lived by design; the socket timeout must not cut them.
  server.setTimeout(0);
  return server;
}

async function dispatch(ctx: HttpContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = req.url ?? '/';
  const queryAt = url.indexOf('?');
  const path = queryAt === -1 ? url : url.slice(0, queryAt);
  const known = path === ctx.config.path || path === LEGACY_SSE_PATH || path === LEGACY_MESSAGES_PATH;
  if (!known) {
    return replyError(
      res,
      404,
      `Not Found: the MCP endpoint is ${ctx.config.path} (legacy HTTP+SSE: ${LEGACY_SSE_PATH})`,
    );
  }
  const refusal = ctx.guards.checkCaller(req.headers);
  if (refusal) return replyError(res, refusal.status, refusal.message);
  if (path === ctx.config.path) return handleMcp(ctx, req, res);
  if (path === LEGACY_SSE_PATH) return handleLegacySse(ctx, req, res);
  return handleLegacyMessage(ctx, req, res, new URLSearchParams(queryAt === -1 ? '' : url.slice(queryAt + 1)));
}
