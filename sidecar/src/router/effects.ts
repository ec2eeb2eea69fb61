// Small constructors for effects and replies, so the router's decisions read as one line each.

import {
  ERROR_CODES,
  errorResponse,
  type JsonRpcId,
  type JsonRpcMessage,
  type JsonRpcResponse,
} from '@mcp-sidecar/protocol';

import type { DropReason, Effect } from './types.ts';

export const toUpstream = <S>(message: JsonRpcMessage): Effect<S> => ({ kind: 'upstream', message });

export const deliver = <S>(stream: S, message: JsonRpcMessage, final: boolean): Effect<S> => ({
  kind: 'deliver',
  stream,
  message,
  final,
});

export const notify = <S>(sessionId: string, message: JsonRpcMessage): Effect<S> => ({
  kind: 'notify',
  sessionId,
  message,
});

export const dropped = <S>(reason: DropReason, detail: string): Effect<S> => ({ kind: 'dropped', reason, detail });

export const result = (id: JsonRpcId, value: unknown): JsonRpcResponse => ({ jsonrpc: '2.0', id, result: value });

/** What the bridge answers the upstream when it cannot tell which client a server→client request is for. */
export function ambiguityError(id: JsonRpcId, method: string, inflight: number): JsonRpcResponse {
  const why =
    inflight === 0
      ? 'no client request is in flight'
      : `${inflight} requests from different clients are in flight on this shared connection`;
  return errorResponse(
    id,
    ERROR_CODES.serverError,
    `mcp-sidecar cannot tell which client ${method} is for: ${why}. Send it while handling exactly one request ` +
      '(MCP SEP-2260), or run the bridge with --session-mode per-session.',
  );
}

export function missingCapabilityError(id: JsonRpcId, method: string, capability: string): JsonRpcResponse {
  return errorResponse(
    id,
    ERROR_CODES.methodNotFound,
    `the client of this session did not declare the "${capability}" capability, so it cannot answer ${method}`,
  );
}
