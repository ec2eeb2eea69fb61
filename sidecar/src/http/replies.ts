// Error answers at the HTTP level: the status, plus a JSON-RPC error body (no id, or the request's id when
// known) whose message reads "Reason-Phrase: what happened and what to do" (worded in errors.ts).

import type { ServerResponse } from 'node:http';

import type { JsonRpcId } from '@mcp-sidecar/protocol';

import type { HttpRefusal } from '../errors.ts';

export function refuseWith(res: ServerResponse, refusal: HttpRefusal, id?: JsonRpcId): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const error =
    refusal.data === undefined
      ? { code: refusal.rpcCode, message: refusal.message }
      : { code: refusal.rpcCode, message: refusal.message, data: refusal.data };
  const body = JSON.stringify({ jsonrpc: '2.0', id: id ?? null, error });
  res.writeHead(refusal.status, { 'content-type': 'application/json', ...refusal.headers });
  res.end(body);
}

export function replyEmpty(res: ServerResponse, status: number, headers?: Record<string, string>): void {
  res.writeHead(status, headers);
  res.end();
}
