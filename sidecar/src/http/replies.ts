// Error answers at the HTTP level: the status, plus a JSON-RPC error body (no id, or the request's id when
// known) whose message reads "Reason-Phrase: what happened and what to do" (worded in errors.ts).

import { type ServerResponse, STATUS_CODES } from 'node:http';

import type { JsonRpcId } from '@mcp-sidecar/protocol';

import type { HttpRefusal } from '../errors.ts';

function errorBody(refusal: HttpRefusal, id?: JsonRpcId): string {
  const error =
    refusal.data === undefined
      ? { code: refusal.rpcCode, message: refusal.message }
      : { code: refusal.rpcCode, message: refusal.message, data: refusal.data };
  return JSON.stringify({ jsonrpc: '2.0', id: id ?? null, error });
}

export function refuseWith(res: ServerResponse, refusal: HttpRefusal, id?: JsonRpcId): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.writeHead(refusal.status, { 'content-type': 'application/json', ...refusal.headers });
  res.end(errorBody(refusal, id));
}

/**
 * The same answer as raw HTTP/1.1 bytes, for a socket that has no request object (the request could not be parsed:
 * headers too large, too slow, not HTTP). The connection is closed after it.
 */
export function rawRefusal(refusal: HttpRefusal): string {
  const body = errorBody(refusal);
  const headers = {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(body)),
    ...refusal.headers,
    connection: 'close',
  };
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}`);
  return `HTTP/1.1 ${refusal.status} ${STATUS_CODES[refusal.status] ?? ''}\r\n${lines.join('\r\n')}\r\n\r\n${body}`;
}

export function replyEmpty(res: ServerResponse, status: number, headers?: Record<string, string>): void {
  res.writeHead(status, headers);
  res.end();
}
