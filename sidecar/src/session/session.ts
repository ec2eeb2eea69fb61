// One MCP session as the HTTP side sees it: its id, the upstream it is bound to, its streams and event store.
// Streamable HTTP sessions have a standalone (GET) stream; legacy HTTP+SSE sessions (2024-11-05) have one SSE
// connection that carries everything.

import type { ServerResponse } from 'node:http';

import { type JsonRpcMessage, wantsPrimingEvent } from '@mcp-sidecar/protocol';

import type { ResponseSink, Upstream } from '../upstream/upstream.ts';
import { EventStore } from './event-store.ts';
import { JSON_WINDOW_MS, ResponseStream, type StreamHost } from './response-stream.ts';
import { namedEvent } from './sse.ts';
import { StandaloneStream } from './standalone-stream.ts';

export type Transport = 'streamable' | 'legacy';

export interface SessionOptions {
  readonly id: string;
  readonly transport: Transport;
  readonly upstream: Upstream;
  readonly protocolVersion: string;
  readonly eventStoreSize: number;
  readonly onLost: (reason: 'queue_overflow' | 'undeliverable') => void;
}

export class Session implements StreamHost {
  readonly id: string;
  readonly transport: Transport;
  readonly upstream: Upstream;
  readonly events: EventStore;
  readonly standalone: StandaloneStream;
  readonly createdAt = Date.now();
  /** Protocol version the session negotiated; decides SSE priming and the default MCP-Protocol-Version. */
  protocolVersion: string;
  lastActivity = Date.now();
  /** Requests answered or streaming right now; a session with any is never idle. */
  openRequests = 0;
  /** The legacy transport's single SSE connection. */
  legacy: LegacyStream | undefined;
  /** Streams that went SSE and are still open, by stream id (for resumption and keep-alives). */
  readonly #live = new Map<number, ResponseStream>();
  /** Answers still waiting to be sent as JSON; the ticker turns old ones into SSE streams. */
  readonly #pending = new Set<ResponseStream>();
  readonly #onLost: SessionOptions['onLost'];
  #nextStreamId = 1;

  constructor(options: SessionOptions) {
    this.id = options.id;
    this.transport = options.transport;
    this.upstream = options.upstream;
    this.protocolVersion = options.protocolVersion;
    this.events = new EventStore(options.eventStoreSize);
    this.standalone = new StandaloneStream(this);
    this.#onLost = options.onLost;
  }

  /** A message for the session as a whole (routed to no request). */
  notify(message: JsonRpcMessage): void {
    if (this.legacy) this.legacy.deliver(message);
    else this.standalone.send(message);
  }

  wantsPriming(): boolean {
    return wantsPrimingEvent(this.protocolVersion);
  }

  openStream(stream: ResponseStream): number {
    const id = this.#nextStreamId++;
    this.#live.set(id, stream);
    return id;
  }

  closeStream(streamId: number): void {
    this.#live.delete(streamId);
  }

  liveStream(streamId: number): ResponseStream | undefined {
    return this.#live.get(streamId);
  }

  lost(reason: 'queue_overflow' | 'undeliverable'): void {
    this.#onLost(reason);
  }

  get idle(): boolean {
    return this.openRequests === 0 && !this.standalone.attached && !this.legacy?.attached;
  }

  /** Starts the answer to one POSTed request; `onDone` runs once it has been sent (or given up). */
  respond(
    res: ServerResponse,
    headers: Record<string, string>,
    onDone: (stream: ResponseStream, message: JsonRpcMessage | undefined) => void,
  ): ResponseStream {
    this.openRequests += 1;
    this.lastActivity = Date.now();
    const stream = new ResponseStream(this, res, headers, (done, message) => {
      this.openRequests -= 1;
      this.#pending.delete(done);
      this.lastActivity = Date.now();
      onDone(done, message);
    });
    this.#pending.add(stream);
    return stream;
  }

  /** Answers pending longer than JSON_WINDOW_MS become SSE streams (keep-alives, resumability). */
  upgradeLongCalls(now: number): void {
    for (const stream of this.#pending) {
      stream.upgradeIfOlderThan(now, JSON_WINDOW_MS);
      if (!stream.pending) this.#pending.delete(stream);
    }
  }

  /** A keep-alive comment on every open SSE connection of this session. */
  keepalive(comment: string): void {
    for (const stream of this.#live.values()) stream.keepalive(comment);
    this.standalone.keepalive(comment);
    this.legacy?.keepalive(comment);
  }

  /** Ends every open stream (the session is over). */
  closeStreams(): void {
    for (const stream of [...this.#live.values(), ...this.#pending]) stream.end();
    this.standalone.close();
    this.legacy?.close();
  }
}

/** The legacy transport's SSE connection: every message of the session goes out on it as a `message` event. */
export class LegacyStream implements ResponseSink {
  #res: ServerResponse | null;

  constructor(res: ServerResponse) {
    this.#res = res;
    res.once('close', () => (this.#res = null));
  }

  get attached(): boolean {
    return this.#res !== null;
  }

  deliver(message: JsonRpcMessage): void {
    this.#res?.write(namedEvent('message', JSON.stringify(message)));
  }

  /** A cancelled request: nothing to close on the shared stream. */
  end(): void {}

  keepalive(comment: string): void {
    this.#res?.write(comment);
  }

  close(): void {
    this.#res?.end();
    this.#res = null;
  }
}
