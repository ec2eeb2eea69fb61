// One MCP session as the HTTP side sees it: its id, the upstream it is bound to (and its routing state there), its
// streams and event store. The HTTP layer talks to sessions only: every client message enters through `forward`,
// which is also the one place activity is recorded. Streamable HTTP sessions have a standalone (GET) stream; legacy
// HTTP+SSE sessions (2024-11-05) have one SSE connection that carries everything.

import type { ServerResponse } from 'node:http';

import { type ClassifiedMessage, type JsonRpcMessage, wantsPrimingEvent } from '@mcp-sidecar/protocol';

import type { RequestContext } from '../context.ts';
import type { ClientCapabilities } from '../router/types.ts';
import type { Route, Upstream, UpstreamSessionOwner } from '../upstream/upstream.ts';
import { BoundedWriter, type StreamBounds } from './bounded-writer.ts';
import { EventStore } from './event-store.ts';
import type { LegacyStream } from './legacy-stream.ts';
import { JSON_WINDOW_MS, ResponseStream, type StreamHost } from './response-stream.ts';
import { StandaloneStream } from './standalone-stream.ts';

export type Transport = 'streamable' | 'legacy';

export type EndReason = 'deleted' | 'idle' | 'upstream_exited' | 'shutdown' | 'client_disconnected';

/** What a session tells the table that owns it. */
export interface SessionListener {
  /** `count` events nobody received were pushed out of the store, or an answer had nowhere to go. */
  lost(reason: 'queue_overflow' | 'undeliverable', count: number): void;
  /** The session must end (its per-session upstream is gone). */
  ended(session: Session, reason: EndReason): void;
}

export interface SessionOptions {
  readonly id: string;
  readonly transport: Transport;
  readonly upstream: Upstream;
  readonly protocolVersion: string;
  readonly capabilities: ClientCapabilities;
  /** The caller that opened the session (principalOf its identity); only it may use the session. */
  readonly principal: string;
  /** How much the event store keeps; also how far behind a stream's reader may fall (see bounded-writer.ts). */
  readonly bounds: StreamBounds;
  /** The legacy transport's single SSE connection. */
  readonly legacy?: LegacyStream;
  readonly listener: SessionListener;
}

export class Session implements StreamHost, UpstreamSessionOwner {
  readonly id: string;
  readonly transport: Transport;
  readonly upstream: Upstream;
  /** This session's routing state on its upstream; joins the upstream's router as the session is made. */
  readonly route: Route;
  readonly events: EventStore;
  readonly standalone: StandaloneStream;
  readonly legacy: LegacyStream | undefined;
  readonly principal: string;
  readonly createdAt = Date.now();
  /** Protocol version the session negotiated; decides SSE priming and the default MCP-Protocol-Version. */
  protocolVersion: string;
  /** Requests answered or streaming right now; a session with any is never idle (--request-timeout ends them). */
  openRequests = 0;
  #lastActivity = Date.now();
  /** Streams that went SSE and are still open, by stream id (for resumption and keep-alives). */
  readonly #live = new Map<number, ResponseStream>();
  /** Answers still waiting to be sent as JSON; the ticker turns old ones into SSE streams. */
  readonly #pending = new Set<ResponseStream>();
  readonly #listener: SessionListener;
  readonly #bounds: StreamBounds;
  #nextStreamId = 1;

  constructor(options: SessionOptions) {
    this.id = options.id;
    this.transport = options.transport;
    this.upstream = options.upstream;
    this.protocolVersion = options.protocolVersion;
    this.#bounds = options.bounds;
    this.events = new EventStore(options.bounds.maxEvents, options.bounds.maxBytes);
    this.standalone = new StandaloneStream(this);
    this.legacy = options.legacy;
    this.principal = options.principal;
    this.#listener = options.listener;
    this.route = options.upstream.router.openSession(options.id, options.capabilities, this);
  }

  get lastActivity(): number {
    return this.#lastActivity;
  }

  get idle(): boolean {
    return this.openRequests === 0 && !this.standalone.attached && !this.legacy?.attached;
  }

  /** A client message for this session's upstream; `ctx.sink` is where a request's answer goes. */
  forward(ctx: RequestContext, message: ClassifiedMessage): void {
    this.touch();
    this.upstream.fromClient(this.route, ctx, message);
  }

  /** Records activity: the idle reaper measures from the last client message, answer or stream. */
  touch(): void {
    this.#lastActivity = Date.now();
  }

  /** A message for the session as a whole (routed to no request). */
  notify(message: JsonRpcMessage): void {
    if (this.legacy) this.legacy.deliver(message);
    else this.standalone.send(message);
  }

  upstreamEnded(): void {
    this.#listener.ended(this, 'upstream_exited');
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

  lost(reason: 'queue_overflow' | 'undeliverable', count = 1): void {
    this.#listener.lost(reason, count);
  }

  writer(res: ServerResponse, streamId: number): BoundedWriter {
    return new BoundedWriter(res, this.#bounds, streamId === 0 ? 'standalone' : `post-${streamId}`);
  }

  /** Starts the answer to one POSTed request; `onDone` runs once it has been sent (or given up). */
  respond(
    res: ServerResponse,
    headers: Record<string, string>,
    onDone: (stream: ResponseStream, message: JsonRpcMessage | undefined) => void,
  ): ResponseStream {
    this.openRequests += 1;
    const stream = new ResponseStream(this, res, headers, (done, message) => {
      this.openRequests -= 1;
      this.#pending.delete(done);
      // An answer nobody received (the client has gone; say --request-timeout failed the call) is not activity:
      // the reaper counts the session idle from the client's last sign of life.
      if (done.reachedClient) this.touch();
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
