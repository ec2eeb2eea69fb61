// What the HTTP edge hands a validated 2026-07-28 request to: server/discover (from the cached InitializeResult, at
// no cost), subscriptions/listen (the hub), and every other method as a call through an upstream of the lane, with
// MRTR when a 2025-era server asks its client something. Composes the lane, the calls table and the hub.

import type { ServerResponse } from 'node:http';

import { exactId, type JsonRpcId, type JsonRpcRequest } from '@mcp-sidecar/protocol';

import type { RequestContext, ResponseSink } from '../context.ts';
import { BRIDGE_SUPPORTED_VERSIONS } from '../era/classify.ts';
import { type Envelope, stripEnvelope } from '../era/envelope.ts';
import { readFilter } from '../era/listen.ts';
import { validInputResponses } from '../era/mrtr.ts';
import { cacheHintsFor, discoverResult } from '../era/results.ts';
import { HttpRefusal, refuse } from '../errors.ts';
import { ModernCall } from './call.ts';
import type { ModernCalls } from './calls.ts';
import type { ModernLane } from './lanes.ts';
import type { ListenHub } from './listen-hub.ts';
import type { ModernMember } from './member.ts';
import { DeferredLane } from './native-lane.ts';
import { ModernReply } from './reply.ts';

type InitializeResult = Readonly<Record<string, unknown>>;

export interface ModernServiceParts {
  readonly lane: ModernLane;
  readonly calls: ModernCalls;
  readonly hub: ListenHub;
}

/** A validated modern request and where it came from. */
export interface ModernRequest {
  readonly res: ServerResponse;
  readonly request: JsonRpcRequest;
  readonly envelope: Envelope;
  /** The context for the router: era, version, caller, access, trace; its sink is set per call. */
  context(sink: ResponseSink): RequestContext;
}

const capabilitiesOf = (initialize: InitializeResult): Readonly<Record<string, unknown>> =>
  (initialize.capabilities ?? {}) as Record<string, unknown>;

export class ModernService {
  readonly lane: ModernLane;
  readonly calls: ModernCalls;
  readonly hub: ListenHub;
  /** server/discover's result as JSON, per InitializeResult (a new one after an upstream restart). */
  readonly #discover = new WeakMap<InitializeResult, string>();
  readonly #timers: NodeJS.Timeout[] = [];

  constructor(parts: ModernServiceParts) {
    this.lane = parts.lane;
    this.calls = parts.calls;
    this.hub = parts.hub;
  }

  /** The server's capabilities for validation; undefined while no InitializeResult is at hand. */
  serverCapabilities(): Readonly<Record<string, unknown>> | undefined {
    const initialize = this.lane.initializeResult();
    return initialize ? capabilitiesOf(initialize) : undefined;
  }

  async whenReady(): Promise<Readonly<Record<string, unknown>> | HttpRefusal> {
    const ready = await this.lane.whenReady();
    return ready instanceof HttpRefusal ? ready : capabilitiesOf(ready);
  }

  /** server/discover as the JSON body to send, built once per InitializeResult. */
  discover(id: JsonRpcId): string {
    const initialize = this.lane.initializeResult() ?? {};
    let result = this.#discover.get(initialize);
    if (result === undefined) {
      result = JSON.stringify(discoverResult(initialize, BRIDGE_SUPPORTED_VERSIONS));
      this.#discover.set(initialize, result);
    }
    return `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"result":${result}}`;
  }

  listen(modern: ModernRequest): HttpRefusal | undefined {
    const filter = readFilter(modern.request.params);
    if (typeof filter === 'string') return refuse.meta(filter);
    const context = (sink: ResponseSink) => modern.context(sink);
    return this.hub.open(modern.res, modern.request, filter, {
      capabilities: this.serverCapabilities() ?? {},
      context,
    });
  }

  /** A call; answers refusals itself. Synchronous when an upstream is at hand (shared mode, always). */
  call(modern: ModernRequest): void | Promise<void> {
    const params = modern.request.params ?? {};
    if (!this.lane.translates) return this.#borrowThen(modern, undefined);
    if (params.requestState !== undefined) return this.#resume(modern);
    const prefilled = params.inputResponses;
    if (!validInputResponses(prefilled)) {
      const refusal = refuse.inputResponses('must be an object whose values are the answers (objects)');
      return new ModernReply(modern.res, exactId(modern.request)).refuse(refusal);
    }
    return this.#borrowThen(modern, prefilled);
  }

  #borrowThen(
    modern: ModernRequest,
    prefilled: Record<string, Record<string, unknown>> | undefined,
  ): void | Promise<void> {
    const member = this.lane.borrow();
    if (!(member instanceof Promise)) return this.#start(modern, member, prefilled);
    return member.then((lent) => this.#start(modern, lent, prefilled));
  }

  #start(
    modern: ModernRequest,
    member: ModernMember | HttpRefusal,
    prefilled: Record<string, Record<string, unknown>> | undefined,
  ): void {
    const { request, envelope } = modern;
    const reply = new ModernReply(modern.res, exactId(request));
    if (member instanceof HttpRefusal) return reply.refuse(member);
    const params = request.params ?? {};
    const method = request.method;
    const target = (params.name ?? params.uri) as string | undefined;
    const hints = cacheHintsFor(method, this.serverCapabilities() ?? {});
    // A modern server gets the request as it came (envelope, requestState, inputResponses: its own MRTR).
    const translate = this.lane.translates;
    const spec = { member, method, target, envelope, hints, translate };
    const call = new ModernCall(this.calls, spec, reply, prefilled);
    reply.onClose = () => call.abandon();
    this.calls.started(call);
    if (translate) {
      stripEnvelope(params);
      if (prefilled !== undefined) params.inputResponses = undefined;
    }
    call.forward(modern.context(call), request);
  }

  #resume({ res, request }: ModernRequest): void {
    const reply = new ModernReply(res, exactId(request));
    const outcome = this.calls.resume(reply, request);
    if (outcome instanceof HttpRefusal) return reply.refuse(outcome);
    reply.onClose = () => outcome.abandon();
  }

  /**
   * Why 2026-07-28 requests cannot be served yet, for /readyz: the server's era is still being probed, or its own
   * 2026-07-28 connection is not up. Undefined when they can (a 2025-era server's readiness is the sessions').
   */
  readiness(): string | undefined {
    const decided = this.lane instanceof DeferredLane ? this.lane.decided : this.lane;
    if (decided === undefined) return 'probing the MCP server for 2026-07-28 (server/discover)';
    if (decided.translates || decided.initializeResult()) return undefined;
    return 'the MCP server speaks 2026-07-28 and its 2026-07-28 connection is not ready yet';
  }

  /** What /status says about 2026-07-28 serving. */
  status(): Record<string, unknown> {
    const lane = this.lane;
    const decided = lane instanceof DeferredLane ? lane.decided : lane;
    return {
      upstreamProtocol: decided === undefined ? 'probing' : decided.translates ? 'legacy' : 'modern',
      upstreams: lane.size,
      answering: this.calls.answering,
      waitingForInput: this.calls.waiting,
      listenStreams: this.hub.size,
    };
  }

  /** Starts the periodic work: long answers become streams (every `tickMs`), keep-alive comments on streams. */
  startTicking(tickMs: number, keepaliveMs: number, comment: string): void {
    const tick = setInterval(() => {
      this.calls.tick(performance.now());
      this.lane.tick?.(Date.now());
    }, tickMs);
    const keepalive = setInterval(() => {
      this.calls.keepalive(comment);
      this.hub.keepalive(comment);
    }, keepaliveMs);
    for (const timer of [tick, keepalive]) this.#timers.push(timer.unref());
  }

  /** Shutdown: waiting calls are stopped, listen streams answered and closed, lent upstreams closed. */
  async close(): Promise<void> {
    for (const timer of this.#timers.splice(0)) clearInterval(timer);
    this.calls.stopAll();
    this.hub.closeAll();
    await this.lane.close();
  }
}
