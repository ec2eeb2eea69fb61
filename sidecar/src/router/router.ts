// The session router: a pure state machine between many HTTP sessions and one upstream MCP connection.
//
// Client request ids and progress tokens are rewritten to upstream-unique numbers and restored on the way
// back, so sessions can reuse the same ids without ever seeing each other's messages. The same router serves
// per-session mode, where it owns exactly one session (`exclusive`), and shared mode, where many sessions
// share the upstream. Routing rules (see ARCHITECTURE.md, "Routing"):
//   response / progress      → the stream of the request they belong to
//   log message              → the only request in flight, else the GET streams of sessions that asked for
//                              that level (in exclusive mode the one session gets every log)
//   server→client request    → the session whose request is the only one in flight (requests parked for MRTR do
//                              not count), else a clear error to the upstream (exclusive mode: the one session's GET
//                              stream)
//   resources/updated        → GET streams of subscribed sessions; list_changed → every session's GET stream

import {
  type ClassifiedMessage as Message,
  exactId,
  exactProgressToken,
  idKey,
  isId,
  type JsonRpcErrorObject,
  type JsonRpcId,
  type JsonRpcNotification,
  type JsonRpcRequest,
  type JsonRpcResponse,
  progressTokenOf,
} from '@mcp-sidecar/protocol';

import type { RequestContext } from '../context.ts';
import { decorate, type RequestDecorator } from './decorators.ts';
import {
  deliver,
  denied,
  dropped,
  missingCapabilityError,
  notify,
  result,
  toUpstream,
  unattributable,
} from './effects.ts';
import { initializeAnswer, targetOf } from './initialize.ts';
import { ListCache } from './list-cache.ts';
import { SharedState } from './shared-state.ts';
import type { ClientCapabilities, Effect, Pending, RouterSession } from './types.ts';

export interface RouterOptions {
  /** One session owns the upstream (per-session mode): it gets every log and unattributed message. */
  readonly exclusive: boolean;
  /** Applied in order to every request forwarded upstream (see decorators.ts). */
  readonly decorators?: readonly RequestDecorator[];
}

const CAPABILITY_OF: Readonly<Record<string, keyof ClientCapabilities>> = {
  'sampling/createMessage': 'sampling',
  'elicitation/create': 'elicitation',
  'roots/list': 'roots',
};

export class Router<S, H = unknown> {
  readonly #exclusive: boolean;
  readonly #decorators: readonly RequestDecorator[];
  /** The sessions that share this upstream (each holds its own RouterSession; this is only for broadcasts). */
  readonly #members = new Set<RouterSession<S, H>>();
  readonly #pending = new Map<number, Pending<S, H>>();
  /** idKey of an upstream server→client request → the session it was sent to. */
  readonly #serverRequests = new Map<string, RouterSession<S, H>>();
  readonly #shared = new SharedState<S, H>();
  readonly #lists = new ListCache();
  /** Upstream ids of requests parked while their client is away (2026-07-28 MRTR): never "the one in flight". */
  readonly #parked = new Set<number>();
  #initializeResult: Record<string, unknown> | undefined;
  #nextId = 1;

  constructor(options: RouterOptions) {
    this.#exclusive = options.exclusive;
    this.#decorators = options.decorators ?? [];
  }

  get sessionCount(): number {
    return this.#members.size;
  }

  /** Requests sent upstream and not yet answered, the bridge's own included. */
  get inflight(): number {
    return this.#pending.size;
  }

  get initializeResult(): Readonly<Record<string, unknown>> | undefined {
    return this.#initializeResult;
  }

  /** A session joins this upstream; the caller keeps what comes back and hands it in with each of its messages. */
  openSession(id: string, capabilities: ClientCapabilities, owner: H): RouterSession<S, H> {
    const session: RouterSession<S, H> = {
      id,
      owner,
      capabilities,
      logSeverity: -1,
      subscriptions: new Set(),
      inflight: new Map(),
      initializedByBridge: false,
      serverRequests: new Map(),
    };
    this.#members.add(session);
    return session;
  }

  hasSession(session: RouterSession<S, H>): boolean {
    return this.#members.has(session);
  }

  /** The sessions on this upstream, for the session layer (e.g. to end them when a per-session upstream dies). */
  members(): IterableIterator<RouterSession<S, H>> {
    return this.#members.values();
  }

  /** Forgets a session: its requests are cancelled upstream, its subscriptions and log level released. */
  closeSession(session: RouterSession<S, H>): Effect<S, H>[] {
    if (!this.#members.delete(session)) return [];
    const effects: Effect<S, H>[] = [];
    for (const upstreamId of session.inflight.values()) {
      this.#pending.delete(upstreamId);
      const params = { requestId: upstreamId, reason: 'the client session ended' };
      effects.push(toUpstream({ jsonrpc: '2.0', method: 'notifications/cancelled', params }));
    }
    for (const key of session.serverRequests.keys()) this.#serverRequests.delete(key);
    for (const call of this.#shared.release(session, [...this.#members])) {
      effects.push(this.internalRequest(call.method, call.params).effect);
    }
    return effects;
  }

  /** Routes a message a client sent in `session`; `ctx.sink` is where a request's answer must go. */
  fromClient(session: RouterSession<S, H>, ctx: RequestContext<S>, message: Message): Effect<S, H>[] {
    if (!this.hasSession(session)) return [dropped('unknown_response', `session ${session.id} is not open`)];
    switch (message.kind) {
      case 'request':
        return this.#clientRequest(session, message.message, ctx);
      case 'notification':
        return this.#clientNotification(session, message.message);
      case 'response':
        return this.#clientResponse(session, message.message);
    }
  }

  /** Routes a message the upstream sent. */
  fromUpstream(message: Message): Effect<S, H>[] {
    switch (message.kind) {
      case 'response':
        return this.#upstreamResponse(message.message);
      case 'notification':
        return this.#upstreamNotification(message.message);
      case 'request':
        return this.#serverRequest(message.message);
    }
  }

  /** A request from the bridge itself; its answer comes back as an `internal` effect with this id. */
  internalRequest(method: string, params?: Record<string, unknown>): { id: number; effect: Effect<S, H> } {
    const id = this.#nextId++;
    const entry = { session: null, clientId: id, replyId: id, method, stream: null, clientToken: undefined };
    this.#pending.set(id, { ...entry, target: undefined, listGeneration: this.#lists.generationFor(method, params) });
    const message: JsonRpcRequest = params ? { jsonrpc: '2.0', id, method, params } : { jsonrpc: '2.0', id, method };
    return { id, effect: toUpstream(message) };
  }

  /**
   * The upstream connection is gone: every request in flight gets `error` (built per request, so the message
   * can name the tool), server→client requests are forgotten, caches dropped. Sessions stay open.
   */
  upstreamLost(error: (pending: Pending<S, H>) => JsonRpcErrorObject): Effect<S, H>[] {
    const effects: Effect<S, H>[] = [];
    for (const [id, pending] of this.#pending) {
      const failure: JsonRpcResponse = { jsonrpc: '2.0', id: pending.replyId, error: error(pending) };
      if (!pending.session) effects.push({ kind: 'internal', id, response: failure });
      else if (pending.stream) effects.push(deliver(pending.stream, failure, true));
      pending.session?.inflight.clear();
    }
    this.#pending.clear();
    for (const session of this.#members) session.serverRequests.clear();
    this.#serverRequests.clear();
    this.#lists.clear();
    this.#initializeResult = undefined;
    return effects;
  }

  /**
   * Gives up on one request in flight: its client (or the bridge, for its own requests) gets `error` exactly as if the
   * server had answered with it, and the slot is freed. With `cancelReason`, the server is also sent
   * notifications/cancelled (never for initialize, which must not be cancelled): --request-timeout does this; a
   * request that never reached the server (it could not be written) needs no cancellation.
   */
  abandon(upstreamId: number, error: (pending: Pending<S, H>) => JsonRpcErrorObject, cancelReason?: string) {
    const pending = this.#pending.get(upstreamId);
    if (!pending) return [];
    const failed = this.#upstreamResponse({ jsonrpc: '2.0', id: upstreamId, error: error(pending) });
    if (cancelReason === undefined || pending.method === 'initialize') return failed;
    const params = { requestId: upstreamId, reason: cancelReason };
    return [toUpstream<S, H>({ jsonrpc: '2.0', method: 'notifications/cancelled', params }), ...failed];
  }

  /** Requests that bring a fresh upstream back to the state sessions expect: subscriptions and log level. */
  restoreRequests(): { method: string; params: Record<string, unknown> }[] {
    return this.#shared.restore([...this.#members]);
  }

  #clientRequest(session: RouterSession<S, H>, request: JsonRpcRequest, ctx: RequestContext<S>): Effect<S, H>[] {
    const denial = ctx.access?.denial(request);
    if (denial) return denied(ctx, request, denial);
    const local = this.#localAnswer(session, request);
    if (local !== undefined) return [deliver(ctx.sink, result(exactId(request), local), true)];
    return [this.#forward(session, request, ctx)];
  }

  /** What the bridge answers itself (cached initialize and lists, shared subscriptions and levels), if anything. */
  #localAnswer(session: RouterSession<S, H>, request: JsonRpcRequest): unknown {
    switch (request.method) {
      case 'initialize':
        if (!this.#initializeResult) return undefined;
        session.initializedByBridge = true;
        return initializeAnswer(this.#initializeResult, request.params?.protocolVersion);
      case 'logging/setLevel':
      case 'resources/subscribe':
      case 'resources/unsubscribe':
        return this.#shared.handle(session, request, [...this.#members]);
      default:
        return this.#lists.lookup(request);
    }
  }

  #forward(session: RouterSession<S, H>, request: JsonRpcRequest, ctx: RequestContext<S>): Effect<S, H> {
    const upstreamId = this.#nextId++;
    const clientToken = progressTokenOf(request);
    if (clientToken !== undefined) (request.params!._meta as Record<string, unknown>).progressToken = upstreamId;
    this.#pending.set(upstreamId, {
      session,
      clientId: request.id,
      replyId: exactId(request),
      method: request.method,
      stream: ctx.sink,
      clientToken: clientToken === undefined ? undefined : exactProgressToken(request, clientToken),
      listGeneration: this.#lists.generationFor(request.method, request.params),
      target: targetOf(request),
    });
    session.inflight.set(idKey(request.id), upstreamId);
    request.id = upstreamId;
    return toUpstream(this.#decorators.length === 0 ? request : decorate(this.#decorators, ctx, request));
  }

  #clientNotification(session: RouterSession<S, H>, notification: JsonRpcNotification): Effect<S, H>[] {
    if (notification.method === 'notifications/initialized' && session.initializedByBridge) return [];
    if (notification.method !== 'notifications/cancelled') return [toUpstream(notification)];
    const requestId = notification.params?.requestId;
    const upstreamId = isId(requestId) ? session.inflight.get(idKey(requestId)) : undefined;
    // Cancelling something already finished (or unknown) is a race the spec says to ignore.
    if (upstreamId === undefined) return [];
    const pending = this.#pending.get(upstreamId);
    this.#pending.delete(upstreamId);
    session.inflight.delete(idKey(requestId as JsonRpcId));
    notification.params = { ...notification.params, requestId: upstreamId };
    const effects: Effect<S, H>[] = [toUpstream(notification)];
    if (pending?.stream) effects.push({ kind: 'end', stream: pending.stream });
    return effects;
  }

  #clientResponse(session: RouterSession<S, H>, response: JsonRpcResponse): Effect<S, H>[] {
    const key = idKey(response.id);
    const owner = this.#serverRequests.get(key);
    if (owner !== session) {
      const reason = owner ? 'foreign_response' : 'unknown_response';
      return [dropped(reason, `session ${session.id} answered server request ${JSON.stringify(response.id)}`)];
    }
    this.#serverRequests.delete(key);
    session.serverRequests.delete(key);
    return [toUpstream(response)];
  }

  #upstreamResponse(response: JsonRpcResponse): Effect<S, H>[] {
    const id = response.id;
    const pending = typeof id === 'number' ? this.#pending.get(id) : undefined;
    if (!pending)
      return [dropped('unknown_response', `response to ${JSON.stringify(id)} matches no request in flight`)];
    this.#pending.delete(id as number);
    // The bridge's own handshake, or a client's forwarded one on a cold per-session upstream.
    if (pending.method === 'initialize' && response.result) {
      this.#initializeResult = response.result as Record<string, unknown>;
    }
    this.#lists.store(pending, response);
    if (!pending.session) return [{ kind: 'internal', id: id as number, response }];
    pending.session.inflight.delete(idKey(pending.clientId));
    this.#shared.settle(pending, response);
    response.id = pending.replyId;
    return pending.stream ? [deliver(pending.stream, response, true)] : [];
  }

  #upstreamNotification(notification: JsonRpcNotification): Effect<S, H>[] {
    const method = notification.method;
    if (method === 'notifications/progress') return this.#progress(notification);
    if (method === 'notifications/message') return this.#log(notification);
    if (method === 'notifications/cancelled') return this.#serverCancelled(notification);
    // A 2026-07-28 upstream acknowledging the bridge's own subscriptions/listen: nothing to deliver.
    if (method === 'notifications/subscriptions/acknowledged') return [];
    if (method === 'notifications/resources/updated') {
      return this.#shared.subscribersOf(notification.params?.uri).map((to) => notify<S, H>(to, notification));
    }
    if (method.endsWith('/list_changed')) {
      this.#lists.invalidate(method);
      return [...this.#members].map((to) => notify<S, H>(to, notification));
    }
    return this.#attribute(notification);
  }

  #progress(notification: JsonRpcNotification): Effect<S, H>[] {
    const token = notification.params?.progressToken;
    const pending = typeof token === 'number' ? this.#pending.get(token) : undefined;
    if (!pending?.stream || pending.clientToken === undefined) {
      return [dropped('unknown_progress', `progress for token ${JSON.stringify(token)} matches no request in flight`)];
    }
    notification.params = { ...notification.params, progressToken: pending.clientToken };
    return [deliver(pending.stream, notification, false)];
  }

  #log(notification: JsonRpcNotification): Effect<S, H>[] {
    const only = this.#onlyClientRequest();
    if (only) return [deliver(only.stream as S, notification, false)];
    const recipients = this.#shared.logRecipients(notification.params?.level, this.#members, this.#exclusive);
    return recipients.map((to) => notify<S, H>(to, notification));
  }

  /** Anything else the server says: to the only request in flight, or to the session that owns the upstream. */
  #attribute(message: JsonRpcNotification): Effect<S, H>[] {
    const only = this.#onlyClientRequest();
    if (only) return [deliver(only.stream as S, message, false)];
    const sole = this.#soleSession();
    if (sole) return [notify(sole, message)];
    return [dropped('unattributable', `${message.method} with ${this.#pending.size} requests in flight`)];
  }

  #serverCancelled(notification: JsonRpcNotification): Effect<S, H>[] {
    const requestId = notification.params?.requestId;
    const session = isId(requestId) ? this.#serverRequests.get(idKey(requestId)) : undefined;
    if (!session) return this.#attribute(notification);
    const key = idKey(requestId as JsonRpcId);
    const stream = session.serverRequests.get(key);
    this.#serverRequests.delete(key);
    session.serverRequests.delete(key);
    return [stream ? deliver(stream, notification, false) : notify(session, notification)];
  }

  #serverRequest(request: JsonRpcRequest): Effect<S, H>[] {
    // The bridge is the upstream's client: it answers pings itself, which keeps them cheap and unambiguous.
    if (request.method === 'ping') return [toUpstream(result(exactId(request), {}))];
    const only = this.#onlyClientRequest();
    const session = only?.session ?? this.#soleSession();
    if (!session) return unattributable(request, this.#pending.size, this.#members.size);
    const capability = CAPABILITY_OF[request.method];
    if (capability && !session.capabilities[capability]) {
      const error = missingCapabilityError(exactId(request), request.method, capability);
      return [toUpstream(error), dropped('capability', `${request.method} for session ${session.id}`)];
    }
    const key = idKey(request.id);
    session.serverRequests.set(key, only?.stream ?? null);
    this.#serverRequests.set(key, session);
    return [only?.stream ? deliver(only.stream, request, false) : notify(session, request)];
  }

  /**
   * Parks (or unparks) a client's request in flight: while its client is away answering the server's questions
   * (2026-07-28 MRTR), it cannot be the request a server message is for, so it does not count in attribution.
   */
  park(session: RouterSession<S, H>, clientId: JsonRpcId, parked: boolean): void {
    const upstreamId = session.inflight.get(idKey(clientId));
    if (upstreamId === undefined) return;
    if (parked) this.#parked.add(upstreamId);
    else this.#parked.delete(upstreamId);
  }

  /** The one request in flight when it came from a client; undefined when there are none, several, or ours. */
  #onlyClientRequest(): Pending<S, H> | undefined {
    if (this.#parked.size > 0) return this.#onlyUnparked();
    if (this.#pending.size !== 1) return undefined;
    const only = this.#pending.values().next().value;
    return only?.session && only.stream ? only : undefined;
  }

  #onlyUnparked(): Pending<S, H> | undefined {
    for (const id of this.#parked) if (!this.#pending.has(id)) this.#parked.delete(id);
    let only: Pending<S, H> | undefined;
    for (const [id, pending] of this.#pending) {
      if (this.#parked.has(id)) continue;
      if (only) return undefined;
      only = pending;
    }
    return only?.session && only.stream ? only : undefined;
  }

  #soleSession(): RouterSession<S, H> | undefined {
    return this.#exclusive && this.#members.size === 1 ? this.#members.values().next().value : undefined;
  }
}
