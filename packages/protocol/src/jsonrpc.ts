// JSON-RPC 2.0 message shapes as MCP uses them, and a one-pass classifier for parsed messages.
// The bridge parses each message once, classifies it here, and forwards the object; it never re-validates
// results against the full MCP schema (that is the upstream server's and the client's job).

import { keepSourceText } from './exact.ts';
import { DEFAULT_MAX_JSON_DEPTH, nestsDeeperThan } from './limits.ts';

export type JsonRpcId = string | number;

export interface JsonRpcRequest {
  jsonrpc: '2.0';
  id: JsonRpcId;
  method: string;
  params?: Record<string, unknown>;
}

export interface JsonRpcNotification {
  jsonrpc: '2.0';
  method: string;
  params?: Record<string, unknown>;
}

export interface JsonRpcErrorObject {
  code: number;
  message: string;
  data?: unknown;
}

export interface JsonRpcResponse {
  jsonrpc: '2.0';
  id: JsonRpcId;
  result?: unknown;
  error?: JsonRpcErrorObject;
}

export type JsonRpcMessage = JsonRpcRequest | JsonRpcNotification | JsonRpcResponse;

export type Classified =
  | { readonly kind: 'request'; readonly message: JsonRpcRequest }
  | { readonly kind: 'notification'; readonly message: JsonRpcNotification }
  | { readonly kind: 'response'; readonly message: JsonRpcResponse }
  | {
      readonly kind: 'invalid';
      readonly reason: string;
      /** Set when a structural limit refused the text before it was parsed. */
      readonly limit?: 'depth';
    };

/** A message that classified as a request, a notification or a response: what every layer past parsing handles. */
export type ClassifiedMessage = Exclude<Classified, { readonly kind: 'invalid' }>;

/** A JSON-RPC id MCP accepts: a string or an integer. */
export const isId = (value: unknown): value is JsonRpcId =>
  typeof value === 'string' || (typeof value === 'number' && Number.isInteger(value));

/** Classifies a parsed JSON value as a request, notification or response, or says why it is none. */
export function classify(value: unknown): Classified {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { kind: 'invalid', reason: Array.isArray(value) ? 'JSON-RPC batches are not supported' : 'not an object' };
  }
  const message = value as Record<string, unknown>;
  if (message.jsonrpc !== '2.0') return { kind: 'invalid', reason: 'jsonrpc must be "2.0"' };
  const params = message.params;
  if (params !== undefined && (typeof params !== 'object' || params === null || Array.isArray(params))) {
    return { kind: 'invalid', reason: 'params must be an object' };
  }
  if (typeof message.method === 'string') {
    if (!('id' in message)) return { kind: 'notification', message: value as JsonRpcNotification };
    if (isId(message.id)) return { kind: 'request', message: value as JsonRpcRequest };
    return { kind: 'invalid', reason: 'a request id must be a string or an integer' };
  }
  if ('result' in message || 'error' in message) {
    if (isId(message.id)) return { kind: 'response', message: value as JsonRpcResponse };
    return { kind: 'invalid', reason: 'a response id must be a string or an integer' };
  }
  return { kind: 'invalid', reason: 'neither a request, a notification nor a response' };
}

/** Parses one JSON text and classifies it; text nested deeper than `maxDepth` is refused unparsed. */
export function parseMessage(text: string, maxDepth: number = DEFAULT_MAX_JSON_DEPTH): Classified {
  if (nestsDeeperThan(text, maxDepth)) {
    return { kind: 'invalid', reason: `nested deeper than ${maxDepth} levels`, limit: 'depth' };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { kind: 'invalid', reason: 'not valid JSON' };
  }
  const classified = classify(value);
  if (classified.kind === 'request') keepSourceText(text, classified.message, progressTokenOf(classified.message));
  return classified;
}

/**
 * A map key for an id that keeps its JSON type: the number 1 and the string "1" are different ids.
 */
export const idKey = (id: JsonRpcId): string => (typeof id === 'number' ? `n${id}` : `s${id}`);

export const ERROR_CODES = {
  parseError: -32700,
  invalidRequest: -32600,
  methodNotFound: -32601,
  invalidParams: -32602,
  internalError: -32603,
  /** Implementation-defined server errors (-32000 to -32099). */
  serverError: -32000,
  /** The request was cancelled by the client. */
  requestCancelled: -32800,
} as const;

export const errorResponse = (id: JsonRpcId, code: number, message: string, data?: unknown): JsonRpcResponse => ({
  jsonrpc: '2.0',
  id,
  error: data === undefined ? { code, message } : { code, message, data },
});

/** `params._meta.progressToken` of a request, if it has one of a valid type. */
export function progressTokenOf(request: JsonRpcRequest): JsonRpcId | undefined {
  const meta = request.params?._meta;
  if (typeof meta !== 'object' || meta === null) return undefined;
  const token = (meta as Record<string, unknown>).progressToken;
  return isId(token) ? token : undefined;
}
