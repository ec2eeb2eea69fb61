// A session's standalone stream: the SSE stream a client opens with GET, carrying what belongs to no request
// (list_changed, resource updates, unattributed logs). While no client is listening, messages wait in the
// session's event store (bounded; what overflows is counted and logged) and are sent when a GET attaches.

import type { ServerResponse } from 'node:http';

import type { JsonRpcMessage } from '@mcp-sidecar/protocol';

import type { BoundedWriter } from './bounded-writer.ts';
import { emit, prime, type StreamHost, writeStored } from './response-stream.ts';
import { startSse } from './sse.ts';

/** Stream id 0 is the standalone stream; POST streams count up from 1. */
export const STANDALONE_STREAM_ID = 0;

export class StandaloneStream {
  #out: BoundedWriter | null = null;
  readonly #host: StreamHost;

  constructor(host: StreamHost) {
    this.#host = host;
  }

  /** A client is connected (a stream ended for a slow reader is not: the client may open it again). */
  get attached(): boolean {
    return this.#out?.open ?? false;
  }

  send(message: JsonRpcMessage): void {
    emit(this.#host, STANDALONE_STREAM_ID, JSON.stringify(message), this.#out);
  }

  /**
   * A GET opened the stream. With Last-Event-ID, everything after that event is replayed; without, whatever
   * was queued while nobody listened.
   */
  attach(res: ServerResponse, afterSeq: number | undefined, headers: Record<string, string>): void {
    startSse(res, headers, true);
    const out = this.#host.writer(res, STANDALONE_STREAM_ID);
    this.#out = out;
    prime(this.#host, STANDALONE_STREAM_ID, out);
    const missed = this.#host.events.replay(STANDALONE_STREAM_ID, afterSeq, afterSeq === undefined);
    for (const event of missed) writeStored(out, event);
  }

  keepalive(comment: string): void {
    this.#out?.keepalive(comment);
  }

  close(): void {
    this.#out?.close();
    this.#out = null;
  }
}
