// subscriptions/listen for 2026-07-28 clients, fed by the same routing as a 2025 session's GET stream: each
// subscriber joins the router of every upstream serving modern calls as a member of its own (a session-like owner),
// so list_changed broadcasts and resources/updated for its URIs reach it exactly as they reach sessions, and its
// resource subscriptions are shared and ref-counted with theirs (router/shared-state.ts). The stream starts with
// the acknowledgement, then carries only the types asked for, each tagged with the subscription id.

import type { ServerResponse } from 'node:http';

import { exactId, type JsonRpcId, type JsonRpcMessage, type JsonRpcRequest } from '@mcp-sidecar/protocol';

import type { RequestContext, ResponseSink } from '../context.ts';
import { acknowledgement, closingResult, honoured, type SubscriptionFilter, tagged, wants } from '../era/listen.ts';
import { type HttpRefusal, refuse } from '../errors.ts';
import type { Metrics } from '../metrics.ts';
import { sseEvent, startSse } from '../session/sse.ts';
import type { Route, Upstream, UpstreamSessionOwner } from '../upstream/upstream.ts';
import type { LaneWatcher, ModernLane } from './lanes.ts';

const NO_CAPABILITIES = { sampling: false, elicitation: false, roots: false };
const DISCARD: ResponseSink = { deliver: () => undefined, end: () => undefined };

class Subscriber implements UpstreamSessionOwner {
  readonly #id: JsonRpcId;
  readonly #filter: SubscriptionFilter;
  readonly #res: ServerResponse;
  readonly #routes = new Map<Upstream, Route>();
  readonly #name: string;
  /** The listen request's context (its caller, what the access policy lets it see), for the subscribes it sends. */
  readonly #context: RequestContext;
  #open = true;

  constructor(id: JsonRpcId, filter: SubscriptionFilter, res: ServerResponse, name: string, context: RequestContext) {
    this.#id = id;
    this.#filter = filter;
    this.#res = res;
    this.#name = name;
    this.#context = context;
    startSse(res, {}, false);
    res.write(sseEvent(undefined, JSON.stringify(acknowledgement(id, filter))));
  }

  /** Joins an upstream's router; asks it for the resources this subscriber watches (shared with everyone's). */
  join(upstream: Upstream): void {
    if (!this.#open || this.#routes.has(upstream)) return;
    const route = upstream.router.openSession(this.#name, NO_CAPABILITIES, this);
    this.#routes.set(upstream, route);
    for (const [index, uri] of (this.#filter.resourceSubscriptions ?? []).entries()) {
      const message: JsonRpcRequest = { jsonrpc: '2.0', id: index, method: 'resources/subscribe', params: { uri } };
      upstream.fromClient(route, this.#context, { kind: 'request', message });
    }
  }

  /** Leaves an upstream's router: its subscriptions are released there (unsubscribed if nobody else holds them). */
  leave(upstream: Upstream): void {
    const route = this.#routes.get(upstream);
    if (!route) return;
    this.#routes.delete(upstream);
    upstream.closeSession(route);
  }

  notify(message: JsonRpcMessage): void {
    if (!this.#open || !('method' in message) || !wants(this.#filter, message)) return;
    this.#res.write(sseEvent(undefined, JSON.stringify(tagged(message, this.#id))));
  }

  upstreamEnded(): void {}

  keepalive(comment: string): void {
    if (this.#open) this.#res.write(comment);
  }

  /** Ends the subscription; `graceful` (the bridge closes it) first answers the listen request (spec: SHOULD). */
  close(graceful: boolean): void {
    if (!this.#open) return;
    this.#open = false;
    for (const upstream of [...this.#routes.keys()]) this.leave(upstream);
    if (graceful) this.#res.end(sseEvent(undefined, JSON.stringify(closingResult(this.#id))));
    else this.#res.end();
  }
}

export class ListenHub implements LaneWatcher {
  readonly #lane: ModernLane;
  readonly #max: number;
  readonly #metrics: Metrics;
  readonly #subscribers = new Set<Subscriber>();
  #next = 1;

  constructor(lane: ModernLane, max: number, metrics: Metrics) {
    this.#lane = lane;
    this.#max = max;
    this.#metrics = metrics;
    lane.watch(this);
  }

  get size(): number {
    return this.#subscribers.size;
  }

  /** Opens a listen stream on `res`, or returns the refusal (a malformed filter is the caller's to refuse). */
  open(
    res: ServerResponse,
    request: JsonRpcRequest,
    filter: SubscriptionFilter,
    from: { capabilities: Readonly<Record<string, unknown>>; context: (sink: ResponseSink) => RequestContext },
  ): HttpRefusal | undefined {
    if (this.#subscribers.size >= this.#max) return refuse.tooManySubscriptions(this.#max);
    // A 2026-07-28 server has no resources/subscribe: the bridge relays its list changes only (its own listen).
    const agreed = honoured(filter, from.capabilities);
    const relayed = this.#lane.translates ? agreed : { ...agreed, resourceSubscriptions: undefined };
    const name = `listen:${this.#next++}`;
    const subscriber = new Subscriber(exactId(request), relayed, res, name, from.context(DISCARD));
    this.#subscribers.add(subscriber);
    this.#metrics.listenStarted.inc();
    res.once('close', () => {
      subscriber.close(false);
      this.#subscribers.delete(subscriber);
    });
    for (const upstream of this.#lane.upstreams()) subscriber.join(upstream);
    return undefined;
  }

  added(upstream: Upstream): void {
    for (const subscriber of this.#subscribers) subscriber.join(upstream);
  }

  removed(upstream: Upstream): void {
    for (const subscriber of this.#subscribers) subscriber.leave(upstream);
  }

  keepalive(comment: string): void {
    for (const subscriber of this.#subscribers) subscriber.keepalive(comment);
  }

  /** Shutdown: every stream gets the listen request's completion result, then ends. */
  closeAll(): void {
    for (const subscriber of this.#subscribers) subscriber.close(true);
    this.#subscribers.clear();
  }
}
