// Server-Sent Events framing. JSON-RPC messages are single-line JSON, so each fits one `data:` field.

import type { ServerResponse } from 'node:http';

export const SSE_HEADERS = {
  'content-type': 'text/event-stream',
  'cache-control': 'no-cache, no-transform',
  // Tells nginx-style proxies not to buffer the stream.
  'x-accel-buffering': 'no',
} as const;

/** Delay a client should wait before reconnecting after the server closes a stream (SEP-1699 `retry`). */
export const RETRY_MS = 1_000;

export const KEEPALIVE_COMMENT = ': keepalive\n\n';

export const sseEvent = (id: string | undefined, data: string): string =>
  id === undefined ? `data: ${data}\n\n` : `id: ${id}\ndata: ${data}\n\n`;

/** The first event of a stream for 2025-11-25 clients: an id to resume from, the retry delay, no message. */
export const primingEvent = (id: string): string => `id: ${id}\nretry: ${RETRY_MS}\ndata: \n\n`;

/** The legacy HTTP+SSE transport (2024-11-05) names its events. */
export const namedEvent = (name: string, data: string): string => `event: ${name}\ndata: ${data}\n\n`;

/**
 * Starts an SSE response. `flush` sends the headers at once, for streams whose first event may be a long way
 * off; otherwise they leave with the first event, in the same packet.
 */
export function startSse(res: ServerResponse, extraHeaders: Readonly<Record<string, string>>, flush: boolean): void {
  res.writeHead(200, { ...SSE_HEADERS, ...extraHeaders });
  if (flush) res.flushHeaders();
}
