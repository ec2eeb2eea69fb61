// Request decorators: pure functions of the request context and a request on its way upstream, applied in order by
// the router's forward step, after ids and progress tokens are rewritten. This is where additions to the forwarded
// message live (the caller's identity, the trace context in `params._meta`), instead of in the router itself.
// Register a decorator in `requestDecorators` below; the router applies exactly that list, in that order.

import type { BridgeConfig } from '@mcp-sidecar/contract';
import type { JsonRpcRequest } from '@mcp-sidecar/protocol';

import type { RequestContext } from '../context.ts';
import { PEER_META_KEY, peerOf } from '../identity/identity.ts';

/** Returns the request to forward: the same object when it has nothing to add (the common, free case). */
export type RequestDecorator = (ctx: RequestContext<unknown>, request: JsonRpcRequest) => JsonRpcRequest;

const withMeta = (request: JsonRpcRequest, additions: Readonly<Record<string, unknown>>): JsonRpcRequest => {
  const params = request.params;
  const meta = params?._meta as Record<string, unknown> | undefined;
  request.params = { ...params, _meta: { ...meta, ...additions } };
  return request;
};

/**
 * The caller, in `params._meta["io.mcp-sidecar/peer"]` (README: "Identity and access"), replacing whatever the client
 * wrote there: a server may trust this key because no client can set it. Per request, so in shared mode each request
 * names its own caller.
 */
export const peerDecorator: RequestDecorator = (ctx, request) =>
  withMeta(request, { [PEER_META_KEY]: peerOf(ctx.identity) });

/**
 * The trace context of the upstream hop (W3C traceparent, tracestate, baggage as unprefixed `_meta` keys), so a
 * traced server continues the trace; a client that put its own trace context in `_meta` keeps it. The hop's span is
 * started through the context's trace seam; this function only merges the keys it returns.
 */
export const traceDecorator: RequestDecorator = (ctx, request) => {
  if (!ctx.trace.recording) return request;
  const keys = ctx.trace.upstreamHop(request.id);
  const meta = request.params?._meta as Record<string, unknown> | undefined;
  return typeof meta?.['traceparent'] === 'string' ? request : withMeta(request, keys);
};

/** The decorators a bridge with this configuration applies, in order. */
export function requestDecorators(_config: BridgeConfig): readonly RequestDecorator[] {
  return [peerDecorator, traceDecorator];
}

export function decorate(
  decorators: readonly RequestDecorator[],
  ctx: RequestContext<unknown>,
  request: JsonRpcRequest,
): JsonRpcRequest {
  let decorated = request;
  for (const decorator of decorators) decorated = decorator(ctx, decorated);
  return decorated;
}
