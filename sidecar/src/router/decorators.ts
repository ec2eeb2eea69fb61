// Request decorators: pure functions of the request context and a request on its way upstream, applied in order by
// the router's forward step, after ids and progress tokens are rewritten. This is where additions to the forwarded
// message live (the caller's identity, the trace context in `params._meta`), instead of in the router itself.
// Register a decorator in `requestDecorators` below; the router applies exactly that list, in that order.

import type { BridgeConfig } from '@mcp-sidecar/contract';
import type { JsonRpcRequest } from '@mcp-sidecar/protocol';

import type { RequestContext } from '../context.ts';

/** Returns the request to forward: the same object when it has nothing to add (the common, free case). */
export type RequestDecorator = (ctx: RequestContext<unknown>, request: JsonRpcRequest) => JsonRpcRequest;

/** The `_meta` key under which the bridge tells the server who called (the identity contract). */
export const PEER_META_KEY = 'io.mcp-sidecar/peer';

/**
 * A client may not say who it is by writing the bridge's own `_meta` key: the server (and, for an HTTP upstream, the
 * x-forwarded-client-cert header made from it) would take the claim for the bridge's word. Removed before any
 * decorator that writes the real identity runs. Allocates only for a request that carries the key.
 */
export const dropClaimedPeer: RequestDecorator = (_ctx, request) => {
  const meta = (request.params as { _meta?: Record<string, unknown> } | undefined)?._meta;
  if (meta === undefined || meta === null || typeof meta !== 'object' || !(PEER_META_KEY in meta)) return request;
  const { [PEER_META_KEY]: _claimed, ...rest } = meta;
  return { ...request, params: { ...request.params, _meta: rest } };
};

/** The decorators a bridge with this configuration applies, in order. */
export function requestDecorators(_config: BridgeConfig): readonly RequestDecorator[] {
  return [dropClaimedPeer];
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
