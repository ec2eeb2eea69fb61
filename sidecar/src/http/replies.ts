// Error answers at the HTTP level: the status, plus a JSON-RPC error body (no id, or the request's id when
// known) whose message reads "Reason-Phrase: what happened and what to do".

import type { ServerResponse } from 'node:http';

import { ERROR_CODES, type JsonRpcId } from '@mcp-sidecar/protocol';

export function replyError(
  res: ServerResponse,
  status: number,
  message: string,
  options: { code?: number; id?: JsonRpcId; headers?: Record<string, string> } = {},
): void {
  const error = { code: options.code ?? ERROR_CODES.serverError, message };
  const body = JSON.stringify({ jsonrpc: '2.0', id: options.id ?? null, error });
  if (res.headersSent) {
    res.end();
    return;
  }
  res.writeHead(status, { 'content-type': 'application/json', ...options.headers });
  res.end(body);
}

export function replyEmpty(res: ServerResponse, status: number, headers?: Record<string, string>): void {
  res.writeHead(status, headers);
  res.end();
}
