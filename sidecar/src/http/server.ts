// The MCP HTTP handler, on bare node:http: the hot path costs a few microseconds less per call here than on a
// framework (see DESIGN.md, "Measured: the HTTP framework matters"). A request to a known path becomes an Exchange,
// passes the pipeline's stages, then reaches the Streamable HTTP or the legacy HTTP+SSE endpoint.

import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';

import { refuse } from '../errors.ts';
import type { HttpDeps } from './deps.ts';
import { handleLegacyMessage, handleLegacySse, LEGACY_MESSAGES_PATH, LEGACY_SSE_PATH } from './legacy-endpoint.ts';
import { handleMcp } from './mcp-endpoint.ts';
import { type EndpointName, type Exchange, exchangeOf, runStages, type Stage } from './pipeline.ts';
import { refuseWith } from './replies.ts';
import { isMetadataPath, serveMetadata } from './resource-metadata.ts';

type Endpoint = (deps: HttpDeps, exchange: Exchange) => void | Promise<void>;

const ENDPOINTS: Readonly<Record<EndpointName, Endpoint>> = {
  mcp: handleMcp,
  'legacy-sse': handleLegacySse,
  'legacy-messages': handleLegacyMessage,
};

export function createMcpHandler(deps: HttpDeps, stages: readonly Stage[]): RequestListener {
  return (req, res) => {
    handle(deps, stages, req, res).catch((error: unknown) => {
      // A client that went away mid-body (or was cut off by --body-timeout) is not a failure of the bridge.
      if (res.destroyed)
        return deps.log.debug({ err: error, path: req.url }, 'client gone before its request was read');
      deps.log.error({ err: error, path: req.url }, 'request failed');
      refuseWith(res, refuse.internal());
    });
  };
}

function endpointOf(path: string, mcpPath: string): EndpointName | undefined {
  if (path === mcpPath) return 'mcp';
  if (path === LEGACY_SSE_PATH) return 'legacy-sse';
  return path === LEGACY_MESSAGES_PATH ? 'legacy-messages' : undefined;
}

async function handle(deps: HttpDeps, stages: readonly Stage[], req: IncomingMessage, res: ServerResponse) {
  const url = req.url ?? '/';
  const queryAt = url.indexOf('?');
  const path = queryAt === -1 ? url : url.slice(0, queryAt);
  const endpoint = endpointOf(path, deps.config.path);
  if (!endpoint) {
    if (deps.metadata && isMetadataPath(path, deps.config.path)) return serveMetadata(req, res, deps.metadata());
    return refuseWith(res, refuse.unknownPath(deps.config.path, LEGACY_SSE_PATH));
  }
  const exchange = exchangeOf(req, res, endpoint, queryAt === -1 ? '' : url.slice(queryAt + 1));
  const outcome = runStages(stages, exchange);
  const refusal = outcome instanceof Promise ? await outcome : outcome;
  if (refusal) return refuseWith(res, refusal);
  return ENDPOINTS[endpoint](deps, exchange);
}
