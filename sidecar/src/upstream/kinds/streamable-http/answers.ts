// Reading what a Streamable HTTP server sends back: one JSON body, or an SSE stream read event by event as it
// arrives (no buffering beyond the event being read, so a stream of any length costs one message of memory and the
// server is slowed by TCP flow control when the bridge reads slower than it writes). Keep-alive comments are
// dropped by the reader; event ids and `retry` are kept for resumption.

import type { Readable } from 'node:stream';

import {
  type ClassifiedMessage,
  classify,
  DEFAULT_MAX_JSON_DEPTH,
  nestsDeeperThan,
  parseMessage,
  SseReader,
} from '@mcp-sidecar/protocol';

import type { TransportEvents } from '../../transport.ts';

/** Where a stream stands: the resumption cursor, the server's advised reconnection delay, whether it answered. */
export interface StreamCursor {
  lastEventId: string | undefined;
  retryMs: number | undefined;
  /** The JSON-RPC id of the request this stream answers (undefined for the standalone GET stream). */
  readonly requestId: string | number | undefined;
  /** What the stream is for, in messages: the request's method, or "the GET stream". */
  readonly what: string;
  answered: boolean;
}

/** Delivers a message to the bridge, noting when it is the answer the cursor waits for. */
export type Deliver = (message: ClassifiedMessage, cursor?: StreamCursor) => void;

const HEAD_BYTES = 512;

/** --max-message-size and --max-json-depth, as the transport was given them. */
export interface ReadLimits {
  readonly maxMessageSize: number;
  readonly maxJsonDepth?: number;
}

/** Reads an application/json body of at most `maxBytes`: one message, or a batch (2025-03-26) of several. */
export async function readJson(
  body: Readable & { text?: () => Promise<string> },
  length: number | undefined,
  limits: ReadLimits,
  events: TransportEvents,
  deliver: Deliver,
  cursor: StreamCursor,
): Promise<void> {
  const maxBytes = limits.maxMessageSize;
  // The common case, a small answer with its Content-Length: read it whole in one step.
  if (length !== undefined && length <= maxBytes && body.text) {
    return deliverText(await body.text(), limits, events, deliver, cursor);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) {
      body.destroy();
      events.onOversize(size, Buffer.concat([...chunks, chunk]).toString('utf8', 0, HEAD_BYTES));
      return;
    }
    chunks.push(chunk);
  }
  deliverText(Buffer.concat(chunks, size).toString('utf8'), limits, events, deliver, cursor);
}

function deliverText(
  text: string,
  limits: ReadLimits,
  events: TransportEvents,
  deliver: Deliver,
  cursor: StreamCursor,
): void {
  const maxDepth = limits.maxJsonDepth ?? DEFAULT_MAX_JSON_DEPTH;
  if (!text.trimStart().startsWith('[')) return deliverOne(text, maxDepth, events, deliver, cursor);
  // A batch is one level deeper than its messages.
  if (nestsDeeperThan(text, maxDepth + 1)) {
    return events.onInvalidLine(text, `nested deeper than ${maxDepth} levels`, 'depth');
  }
  let batch: unknown;
  try {
    batch = JSON.parse(text);
  } catch {
    return events.onInvalidLine(text, 'not valid JSON');
  }
  for (const item of batch as unknown[]) {
    const message = classify(item);
    if (message.kind === 'invalid') events.onInvalidLine(JSON.stringify(item), message.reason);
    else deliver(message, cursor);
  }
}

/**
 * Reads a text/event-stream until it ends or breaks. Resolves true when it ended cleanly, false when it broke
 * (the connection failed mid-stream); either way the cursor says where it got to.
 */
export async function readEvents(
  body: Readable,
  limits: ReadLimits,
  events: TransportEvents,
  deliver: Deliver,
  cursor: StreamCursor,
): Promise<boolean> {
  const maxDepth = limits.maxJsonDepth ?? DEFAULT_MAX_JSON_DEPTH;
  const reader = new SseReader(limits.maxMessageSize, {
    onEvent: (event) => {
      if (event.id !== undefined) cursor.lastEventId = event.id;
      if (event.retry !== undefined) cursor.retryMs = event.retry;
      if (event.data === '' || (event.event !== undefined && event.event !== 'message')) return;
      deliverOne(event.data, maxDepth, events, deliver, cursor);
    },
    onOversize: events.onOversize,
  });
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) reader.push(chunk);
    reader.end();
    return true;
  } catch {
    return false;
  }
}

function deliverOne(text: string, maxDepth: number, events: TransportEvents, deliver: Deliver, cursor: StreamCursor) {
  const message = parseMessage(text, maxDepth);
  if (message.kind === 'invalid') events.onInvalidLine(text, message.reason, message.limit);
  else deliver(message, cursor);
}
