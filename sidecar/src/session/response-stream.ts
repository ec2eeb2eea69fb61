// The answer to one POSTed request. When the upstream's response is the first thing that comes back, it is
// sent as a single application/json body (the cheapest form). As soon as anything else has to go out first
// (progress, a log, a server→client request), or the call runs longer than JSON_WINDOW_MS, the answer turns
// into an SSE stream: a priming event for 2025-11-25 clients, then events with resumable ids. A client that
// disconnects is not cancelling (spec 2025-11-25): events keep going to the session's event store, and the
// client can resume the stream with GET + Last-Event-ID. Every SSE write goes through a BoundedWriter
// (bounded-writer.ts): a client that stops reading holds back at most what the event store keeps.

import type { ServerResponse } from 'node:http';

import type { JsonRpcMessage } from '@mcp-sidecar/protocol';

import type { ResponseSink } from '../context.ts';
import type { BoundedWriter } from './bounded-writer.ts';
import { eventId, type EventStore, type StoredEvent } from './event-store.ts';
import { primingEvent, sseEvent, startSse } from './sse.ts';

/** A pending answer older than this becomes an SSE stream, so it can carry keep-alives and be resumed. */
export const JSON_WINDOW_MS = 1_000;

/** What a response stream needs from its session. */
export interface StreamHost {
  readonly events: EventStore;
  wantsPriming(): boolean;
  /** Registers a stream that became SSE (so it can be resumed); returns its stream id. */
  openStream(stream: ResponseStream): number;
  closeStream(streamId: number): void;
  /** `count` events nobody received were pushed out of the store, or an answer had nowhere to go. */
  lost(reason: 'queue_overflow' | 'undeliverable', count?: number): void;
  /** Wraps a connection carrying one of the session's SSE streams, bounded like the session's event store. */
  writer(res: ServerResponse, streamId: number): BoundedWriter;
}

export class ResponseStream implements ResponseSink {
  readonly startedAt = performance.now();
  /** The POST's response, while it may still become a JSON answer or an SSE stream. */
  #res: ServerResponse | null;
  /** Where SSE events go once the answer is a stream (the POST's response, or the GET that resumed it). */
  #out: BoundedWriter | null = null;
  #mode: 'pending' | 'sse' | 'done' = 'pending';
  #reachedClient = false;
  #streamId = -1;
  readonly #host: StreamHost;
  readonly #headers: Record<string, string>;
  readonly #onDone: (stream: ResponseStream, message: JsonRpcMessage | undefined) => void;

  constructor(
    host: StreamHost,
    res: ServerResponse,
    headers: Record<string, string>,
    onDone: (stream: ResponseStream, message: JsonRpcMessage | undefined) => void,
  ) {
    this.#host = host;
    this.#res = res;
    this.#headers = headers;
    this.#onDone = onDone;
    res.once('close', () => {
      if (this.#res === res) this.#res = null;
    });
  }

  get pending(): boolean {
    return this.#mode === 'pending';
  }

  /** The stream ended on a connection the client still had open (so the client saw the end: it is active). */
  get reachedClient(): boolean {
    return this.#reachedClient;
  }

  deliver(message: JsonRpcMessage, final: boolean): void {
    if (this.#mode === 'done') return;
    const data = JSON.stringify(message);
    if (this.#mode === 'pending' && final) {
      this.#sendJson(data, message);
      return;
    }
    if (this.#mode === 'pending') this.#becomeSse(false);
    this.#event(data);
    if (final) this.#finish(message);
  }

  /** Ends the stream without an answer (its request was cancelled). */
  end(): void {
    if (this.#mode === 'done') return;
    if (this.#mode === 'pending') this.#becomeSse(false);
    this.#finish(undefined);
  }

  /** Called periodically: a long call becomes SSE, so keep-alives can flow and the client can resume it. */
  upgradeIfOlderThan(now: number, windowMs: number): void {
    if (this.#mode === 'pending' && now - this.startedAt >= windowMs) this.#becomeSse(true);
  }

  keepalive(comment: string): void {
    if (this.#mode === 'sse') this.#out?.keepalive(comment);
  }

  /** A client resumed this stream with GET + Last-Event-ID: replay what it missed, then carry on there. */
  resume(res: ServerResponse, afterSeq: number, headers: Record<string, string>): void {
    this.#out = replayTo(this.#host, res, headers, this.#streamId, afterSeq);
  }

  #sendJson(data: string, message: JsonRpcMessage): void {
    this.#mode = 'done';
    const res = this.#res;
    this.#reachedClient = res !== null;
    if (res) {
      const length = String(Buffer.byteLength(data));
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': length, ...this.#headers });
      res.end(data);
    } else {
      this.#host.lost('undeliverable');
    }
    this.#onDone(this, message);
  }

  #becomeSse(flush: boolean): void {
    this.#mode = 'sse';
    this.#streamId = this.#host.openStream(this);
    if (this.#res) {
      startSse(this.#res, this.#headers, flush);
      this.#out = this.#host.writer(this.#res, this.#streamId);
    }
    prime(this.#host, this.#streamId, this.#out);
  }

  #event(data: string): void {
    emit(this.#host, this.#streamId, data, this.#out);
  }

  #finish(message: JsonRpcMessage | undefined): void {
    this.#mode = 'done';
    this.#host.closeStream(this.#streamId);
    this.#reachedClient = this.#out?.open ?? false;
    this.#out?.end();
    this.#onDone(this, message);
  }
}

/** Writes a stored event again (replay); priming events carry no message and are skipped. */
export function writeStored(out: BoundedWriter, event: StoredEvent): void {
  if (event.data === null) return;
  out.write(sseEvent(eventId(event), event.data));
  event.delivered = true;
}

/** Opens `res` as an SSE stream and writes the events of `streamId` after `afterSeq` that the client missed. */
export function replayTo(
  host: StreamHost,
  res: ServerResponse,
  headers: Record<string, string>,
  streamId: number,
  afterSeq: number | undefined,
): BoundedWriter {
  startSse(res, headers, true);
  const out = host.writer(res, streamId);
  for (const event of host.events.replay(streamId, afterSeq)) writeStored(out, event);
  return out;
}

/** Stores an event of a stream (for resumption) and writes it when a client is connected; counts what falls out. */
export function emit(host: StreamHost, streamId: number, data: string, out: BoundedWriter | null): void {
  const live = out?.open ? out : null;
  const { event, lost } = host.events.append(streamId, data, live !== null);
  if (lost > 0) host.lost('queue_overflow', lost);
  live?.write(sseEvent(eventId(event), data));
}

/** The priming event (an id and `retry`, no data) a stream starts with for clients that resume. */
export function prime(host: StreamHost, streamId: number, out: BoundedWriter | null): void {
  if (!host.wantsPriming()) return;
  const live = out?.open ? out : null;
  const { event } = host.events.append(streamId, null, live !== null);
  live?.write(primingEvent(eventId(event)));
}
