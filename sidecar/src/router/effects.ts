// Small constructors for effects and replies, so the router's decisions read as one line each.

import {
  exactId,
  type JsonRpcId,
  type JsonRpcMessage,
  type JsonRpcRequest,
  type JsonRpcResponse,
} from '@mcp-sidecar/protocol';

import type { Denial, RequestContext } from '../context.ts';
import { fail, requestLabel, type RpcFailure } from '../errors.ts';

import type { DropReason, Effect, RouterSession } from './types.ts';

export const toUpstream = <S, H = unknown>(message: JsonRpcMessage): Effect<S, H> => ({ kind: 'upstream', message });

export const deliver = <S, H = unknown>(stream: S, message: JsonRpcMessage, final: boolean): Effect<S, H> => ({
  kind: 'deliver',
  stream,
  message,
  final,
});

export const notify = <S, H>(session: RouterSession<S, H>, message: JsonRpcMessage): Effect<S, H> => ({
  kind: 'notify',
  sessionId: session.id,
  owner: session.owner,
  message,
});

export const dropped = <S, H = unknown>(reason: DropReason, detail: string, expected = false): Effect<S, H> =>
  expected ? { kind: 'dropped', reason, detail, expected } : { kind: 'dropped', reason, detail };

export const result = (id: JsonRpcId, value: unknown): JsonRpcResponse => ({ jsonrpc: '2.0', id, result: value });

/**
 * A server→client request no single client can be found for: the server is told why, and the drop is counted. A
 * server that asks as soon as it is initialized (roots/list, typically) asks before any client exists: that is
 * normal while a server starts in shared mode, so it is logged as expected, not as a fault.
 */
export function unattributable<S, H>(request: JsonRpcRequest, inflight: number, clients: number): Effect<S, H>[] {
  const detail =
    clients === 0
      ? `${request.method} from the server before any client connected: answered that no client is connected yet (normal while a server starts in shared mode)`
      : `${request.method} from the server with ${inflight} requests in flight`;
  const error = failure(exactId(request), fail.unattributable(request.method, inflight, clients));
  return [toUpstream(error), dropped('unattributable', detail, clients === 0)];
}

export const missingCapabilityError = (id: JsonRpcId, method: string, capability: string): JsonRpcResponse =>
  failure(id, fail.capabilityMissing(method, capability));

const failure = (id: JsonRpcId, error: RpcFailure): JsonRpcResponse => ({ jsonrpc: '2.0', id, error: error.toJson() });

/** A request the access policy refuses: the client gets an error naming what and why; nothing goes upstream. */
export function denied<S, H>(ctx: RequestContext<S>, request: JsonRpcRequest, denial: Denial): Effect<S, H>[] {
  const caller = ctx.access?.caller ?? 'anonymous';
  const error = fail.accessDenied(requestLabel(request.method, denial.name), caller, denial.reason);
  return [
    deliver(ctx.sink, failure(exactId(request), error), true),
    { kind: 'denied', denial, caller, method: request.method, logFields: ctx.trace.logFields },
  ];
}
