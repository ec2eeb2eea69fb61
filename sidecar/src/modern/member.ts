// How 2026-07-28 calls join an upstream's router: one member per upstream, opened once and shared by every modern
// call on it, so a call costs no router session of its own. Calls are told apart by request ids this member gives
// out (clients' ids are not unique without sessions), which also makes cancelling one exact. The member declares
// every client capability: whether a modern client may be asked is decided per request by the MRTR machine, from
// that request's own `_meta`. A server request no call can be tied to gets an error at once, never a hang.

import { type ClassifiedMessage, type JsonRpcMessage, type JsonRpcRequest } from '@mcp-sidecar/protocol';

import { ANONYMOUS, NO_TRACE, type RequestContext, type ResponseSink } from '../context.ts';
import { MODERN_PROTOCOL_VERSION } from '../era/classify.ts';
import { fail, type RpcFailure } from '../errors.ts';
import { ALL_CAPABILITIES } from '../router/types.ts';
import type { Route, Upstream, UpstreamSessionOwner } from '../upstream/upstream.ts';

const NO_ANSWER: ResponseSink = { deliver: () => undefined, end: () => undefined };

/** The context of what the bridge itself sends on a modern call's behalf (answers, cancellations). */
export const MODERN_CONTEXT: RequestContext = Object.freeze({
  era: 'modern',
  protocolVersion: MODERN_PROTOCOL_VERSION,
  sessionId: undefined,
  identity: ANONYMOUS,
  access: undefined,
  trace: NO_TRACE,
  sink: NO_ANSWER,
});

export class ModernMember implements UpstreamSessionOwner {
  readonly upstream: Upstream;
  readonly route: Route;
  #nextId = 1;

  constructor(upstream: Upstream) {
    this.upstream = upstream;
    this.route = upstream.router.openSession('modern', ALL_CAPABILITIES, this);
  }

  /** A request id unique on this member, for one call. */
  nextRequestId(): number {
    return this.#nextId++;
  }

  send(ctx: RequestContext, message: ClassifiedMessage): void {
    this.upstream.fromClient(this.route, ctx, message);
  }

  /** The answer to a server request, from a call (the client's input) or from the bridge (an error). */
  answer(id: JsonRpcRequest['id'], outcome: { result: unknown } | { error: RpcFailure }): void {
    const message =
      'result' in outcome
        ? { jsonrpc: '2.0' as const, id, result: outcome.result }
        : { jsonrpc: '2.0' as const, id, error: outcome.error.toJson() };
    this.send(MODERN_CONTEXT, { kind: 'response', message });
  }

  /** A call waits for its client (parked) or is back: the router then does (not) tie server messages to it. */
  park(requestId: number, parked: boolean): void {
    this.upstream.router.park(this.route, requestId, parked);
  }

  /** Cancels the call sent with `requestId` (the upstream gets notifications/cancelled). */
  cancel(requestId: number, reason: string): void {
    const message = { jsonrpc: '2.0' as const, method: 'notifications/cancelled', params: { requestId, reason } };
    this.send(MODERN_CONTEXT, { kind: 'notification', message });
  }

  /** What the router could tie to no call: a server request is refused, anything else has no one to go to. */
  notify(message: JsonRpcMessage): void {
    if ('id' in message && 'method' in message) {
      this.answer(message.id, { error: fail.unattributable(message.method, this.upstream.router.inflight) });
    }
  }

  upstreamEnded(): void {}
}

const members = new WeakMap<Upstream, ModernMember>();

/** The modern member of an upstream, opened the first time a modern call uses it. */
export function memberOf(upstream: Upstream): ModernMember {
  let member = members.get(upstream);
  if (!member) members.set(upstream, (member = new ModernMember(upstream)));
  return member;
}
