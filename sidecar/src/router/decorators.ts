// Request decorators: pure functions of the request context and a request on its way upstream, applied in order by
// the router's forward step, after ids and progress tokens are rewritten. This is where additions to the forwarded
// message live (the caller's identity, the trace context in `params._meta`), instead of in the router itself.
// Register a decorator in `requestDecorators` below; the router applies exactly that list, in that order.

import type { BridgeConfig } from '@mcp-sidecar/contract';
import type { JsonRpcRequest } from '@mcp-sidecar/protocol';

import type { RequestContext } from '../context.ts';

/** Returns the request to forward: the same object when it has nothing to add (the common, free case). */
export type RequestDecorator = (ctx: RequestContext<unknown>, request: JsonRpcRequest) => JsonRpcRequest;

/** The decorators a bridge with this configuration applies, in order. None yet: the list is the seam. */
export function requestDecorators(_config: BridgeConfig): readonly RequestDecorator[] {
  return [];
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
