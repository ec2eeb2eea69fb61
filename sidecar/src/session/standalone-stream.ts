// A session's standalone stream: the SSE stream a client opens with GET, carrying what belongs to no request
// (list_changed, resource updates, unattributed logs). While no client is listening, messages wait in the
// session's event store (bounded; what overflows is counted and logged) and are sent when a GET attaches.

import type { ServerResponse } from 'node:http';

import type { JsonRpcMessage } from '@mcp-sidecar/protocol';

import { emit, prime, type StreamHost, writeStored } from './response-stream.ts';
import { startSse } from './sse.ts';

/** Stream id 0 is the standalone stream; POST streams count up from 1. */
export const STANDALONE_STREAM_ID = 0;

export class StandaloneStream {
  #res: ServerResponse | null = null;
  readonly #host: StreamHost;

  constructor(host: StreamHost) {
    this.#host = host;
  }

  get attached(): boolean {
    return this.#res !== null;
  }

  send(message: JsonRpcMessage): void {
    emit(this.#host, STANDALONE_STREAM_ID, JSON.stringify(message), this.#res);
  }

  /**
   * A GET opened the stream. With Last-Event-ID, everything after that event is replayed; without, whatever
   * was queued while nobody listened.
   */
  attach(res: ServerResponse, afterSeq: number | undefined, headers: Record<string, string>): void {
    this.#res = res;
    res.once('close', () => {
      if (this.#res === res) this.#res = null;
    });
    startSse(res, headers, true);
    prime(this.#host, STANDALONE_STREAM_ID, res);
    const missed = this.#host.events.replay(STANDALONE_STREAM_ID, afterSeq, afterSeq === undefined);
    for (const event of missed) writeStored(res, event);
  }

  keepalive(comment: string): void {
    this.#res?.write(comment);
  }

  close(): void {
    this.#res?.end();
    this.#res = null;
  }
}
