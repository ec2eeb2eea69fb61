// One upstream MCP server and its router. Composes the pieces: a transport (upstream/kinds), the router (pure
// routing), a supervisor (lifecycle, restarts, crash counting), the table of the bridge's own requests, and the
// interpreter that performs the router's effects. Warm mode performs the bridge's own handshake and warm-up; in
// shared mode a transport that ends is replaced, and the sessions' subscriptions and log level are restored.

import type { WarmupCall } from '@mcp-sidecar/contract';
import {
  type ClassifiedMessage,
  exactId,
  type JsonRpcErrorObject,
  type JsonRpcRequest,
  type JsonRpcResponse,
} from '@mcp-sidecar/protocol';

import type { RequestContext, ResponseSink } from '../context.ts';
import { errorText, fail, requestLabel } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import type { RequestDecorator } from '../router/decorators.ts';
import { Router } from '../router/router.ts';
import type { DropReason, Effect, Pending, RouterSession } from '../router/types.ts';
import { type DeniedEffect, perform, type SessionOwner } from './interpreter.ts';
import { ProbeSlot } from './probe.ts';
import { InternalRequests } from './requests.ts';
import { type AfterEnd, type LifecycleState, Supervisor } from './supervisor.ts';
import type { Transport, TransportEnd, TransportFactory } from './transport.ts';
import { type Handshake, warmUp } from './warmup.ts';

export type { ResponseSink };
export type UpstreamState = LifecycleState;
export type Route = RouterSession<ResponseSink, UpstreamSessionOwner>;

/** A session as its upstream sees it: where its notifications go, and what it is told when its server is gone. */
export interface UpstreamSessionOwner extends SessionOwner {
  /** per-session mode: the upstream ended for good; the session ends too. */
  upstreamEnded(): void;
}

export interface UpstreamOptions {
  readonly open: TransportFactory;
  /** per-session mode: one session owns this upstream. */
  readonly exclusive: boolean;
  /** shared mode: restart after the transport ends. */
  readonly restart: boolean;
  readonly warmup: readonly WarmupCall[];
  /** The bridge's own handshake and warm-up; the 2025 initialize (warmUp) unless given (a 2026-07-28 server's). */
  readonly handshake?: Handshake;
  readonly decorators: readonly RequestDecorator[];
  readonly log: Logger;
  readonly metrics: Metrics;
  /** Told when this upstream ended for good without close() (a pool replaces its idle upstreams this way). */
  readonly onEnded?: (upstream: Upstream) => void;
}

export class Upstream {
  readonly router: Router<ResponseSink, UpstreamSessionOwner>;
  readonly #life: Supervisor;
  readonly #requests = new InternalRequests();
  readonly #probe = new ProbeSlot();
  #transport: Transport | undefined;
  /** Connections given up by reconnect(), closing; close() waits for them. */
  readonly #retired = new Set<Promise<void>>();
  readonly #options: UpstreamOptions;

  constructor(options: UpstreamOptions) {
    this.#options = options;
    this.router = new Router({ exclusive: options.exclusive, decorators: options.decorators });
    this.#life = new Supervisor({ restart: options.restart, log: options.log, metrics: options.metrics });
  }

  get state(): UpstreamState {
    return this.#life.state;
  }

  get lastError(): string | undefined {
    return this.#life.lastError;
  }

  get crashLoop(): string | undefined {
    return this.#life.crashLoop;
  }

  get crashes(): number {
    return this.#life.crashes;
  }

  get description(): string | undefined {
    return this.#transport?.description;
  }

  get pid(): number | undefined {
    return this.#transport?.process?.pid;
  }

  get negotiatedVersion(): string | undefined {
    const version = this.router.initializeResult?.protocolVersion;
    return typeof version === 'string' ? version : undefined;
  }

  /**
   * One attempt to connect. `warm`: also perform the handshake and warm-up, resolving once ready. `cold`:
   * resolve once connected, leaving the handshake to the session's client. Rejects when it failed.
   */
  async start(mode: 'warm' | 'cold'): Promise<void> {
    this.#life.starting();
    this.#transport = this.#open();
    if (mode === 'cold') return this.#life.ready();
    try {
      await (this.#options.handshake ?? warmUp)(this, this.#options.warmup);
      this.#life.ready();
    } catch (error) {
      const transport = this.#transport; // the handshake may have reconnected
      const end = this.#life.lastEnd;
      const why = end && transport?.ended ? `the MCP server ${end.description}` : errorText(error);
      this.#transport = undefined; // its end is this attempt's failure, not a new event
      this.#life.failed(why);
      await transport?.close();
      throw new Error(why, { cause: error });
    }
  }

  /** Asks the connection one question before its handshake, outside the router (see probe.ts). */
  probe(request: Omit<JsonRpcRequest, 'id'>, timeoutMs: number): Promise<JsonRpcResponse | undefined> {
    return this.#probe.ask((message) => this.#transport?.send(message), request, timeoutMs);
  }

  /** During a handshake: gives up this connection (closing it) for a fresh one. */
  async reconnect(): Promise<void> {
    const old = this.#transport;
    this.#transport = this.#open();
    if (!old) return;
    const closing = old.close();
    this.#retired.add(closing);
    await closing.finally(() => this.#retired.delete(closing));
  }

  /** shared mode: start, and keep retrying with exponential backoff and jitter until ready or stopped. */
  keepRunning(): Promise<void> {
    return this.#life.keepRunning(
      () => this.start('warm'),
      () => this.description,
    );
  }

  whenReady(timeoutMs: number): Promise<boolean> {
    return this.#life.whenReady(timeoutMs);
  }

  /** Routes a client message; requests that cannot reach the upstream are answered with an error at once. */
  fromClient(route: Route, ctx: RequestContext, message: ClassifiedMessage): void {
    if (this.#debug) this.#logMessage('client → server', message, route.id, ctx.trace.logFields, ctx.era);
    if (this.#life.state !== 'ready') {
      if (message.kind === 'request') ctx.sink.deliver(this.#unavailable(exactId(message.message)), true);
      return;
    }
    this.#perform(this.router.fromClient(route, ctx, message));
  }

  closeSession(route: Route): void {
    this.#perform(this.router.closeSession(route));
  }

  /** Sends a request as the bridge itself and waits for its answer. */
  request(method: string, params?: Record<string, unknown>): Promise<JsonRpcResponse> {
    const { id, effect } = this.router.internalRequest(method, params);
    const answer = this.#requests.wait(id, method);
    this.#perform([effect]);
    return answer;
  }

  /** Sends a request as the bridge itself without waiting for its answer (a subscription the server holds open). */
  requestOpen(method: string, params: Record<string, unknown>): void {
    this.#perform([this.router.internalRequest(method, params).effect]);
  }

  notifyUpstream(method: string): void {
    this.#transport?.send({ jsonrpc: '2.0', method });
  }

  async close(): Promise<void> {
    this.#life.stop();
    await Promise.all([this.#transport?.close(), ...this.#retired]);
  }

  #open(): Transport {
    this.#options.metrics.spawns.inc();
    const { log, metrics } = this.#options;
    const transport = this.#options.open({
      onMessage: (message) => {
        if (this.#debug) this.#logMessage('server → bridge', message);
        if (this.#probe.take(message)) return;
        this.#perform(this.router.fromUpstream(message));
      },
      onInvalidLine: (line, reason) => {
        metrics.invalidLines.inc({ reason: 'not_json_rpc' });
        log.warn(
          { upstream: this.description, reason, line: line.slice(0, 200) },
          'skipped a stdout line that is not JSON-RPC',
        );
      },
      onOversize: (bytes, head) => this.#oversize(bytes, head),
      onLog: (line) => log.info({ upstream: this.description, stream: 'stderr' }, line),
      onEnd: (end) => {
        if (transport === this.#transport) this.#probe.ended();
        this.#ended(transport, end);
      },
    });
    log.info({ upstream: transport.description }, 'upstream started');
    return transport;
  }

  #perform(effects: readonly Effect<ResponseSink, UpstreamSessionOwner>[]): void {
    perform(effects, {
      toUpstream: (message) => this.#transport?.send(message),
      internal: (id, response) => this.#requests.settle(id, response),
      dropped: (reason, detail) => this.#dropped(reason, detail),
      denied: (effect) => this.#denied(effect),
    });
  }

  /** Message bodies are logged at debug only (they may hold user data); the level check is all the hot path pays. */
  get #debug(): boolean {
    return this.#options.log.isLevelEnabled('debug');
  }

  #logMessage(direction: string, { message }: ClassifiedMessage, session?: string, trace?: object, era?: string): void {
    const fields = {
      ...trace,
      session,
      era,
      rpc_id: 'id' in message ? message.id : undefined,
      method: 'method' in message ? message.method : undefined,
    };
    this.#options.log.debug({ ...fields, upstream: this.description, body: message }, direction);
  }

  #dropped(reason: DropReason, detail: string): void {
    this.#options.metrics.dropped.inc({ reason });
    this.#options.log.warn({ upstream: this.description, reason }, `message not delivered: ${detail}`);
  }

  #denied({ denial, caller, method, logFields }: DeniedEffect): void {
    this.#options.metrics.policyDenials.inc({ kind: denial.kind });
    const fields = { ...logFields, caller, method, name: denial.name, reason: denial.reason };
    this.#options.log.warn(fields, `access denied: ${caller} may not use ${method} '${denial.name}'`);
  }

  /** An over-long message: if its id can be read, its request gets an error instead of waiting forever. */
  #oversize(bytes: number, head: string): void {
    this.#options.metrics.invalidLines.inc({ reason: 'too_long' });
    const id = /"id"\s*:\s*(\d+)/.exec(head)?.[1];
    this.#options.log.error({ upstream: this.description, bytes, id }, 'skipped a message over --max-message-size');
    if (id === undefined) return;
    const error = fail.answerTooLarge(bytes).toJson();
    this.#perform(this.router.fromUpstream({ kind: 'response', message: { jsonrpc: '2.0', id: Number(id), error } }));
  }

  #ended(transport: Transport, end: TransportEnd): void {
    const next = this.#life.ended(end, transport === this.#transport);
    if (next === undefined) return;
    if (next !== 'stopped') {
      const log = { upstream: transport.description, exitCode: end.process?.exitCode, signal: end.process?.signal };
      this.#options.log.error(log, `the MCP server ${end.description}`);
    }
    // During start-up this fails the handshake's own requests, and start() reports the failure.
    this.#perform(this.router.upstreamLost((pending) => this.#lostError(pending, end, next)));
    if (next === 'restart') void this.keepRunning();
    if (next !== 'failed') return;
    for (const route of [...this.router.members()]) route.owner.upstreamEnded();
    this.#options.onEnded?.(this);
  }

  #lostError(pending: Pending<ResponseSink, unknown>, end: TransportEnd, next: AfterEnd): JsonRpcErrorObject {
    const what = requestLabel(pending.method, pending.target);
    if (next === 'stopped') return fail.upstreamStopped(what).toJson();
    const data = { exitCode: end.process?.exitCode ?? null, signal: end.process?.signal ?? null };
    return fail.upstreamExited(end.description, what, next === 'restart', data).toJson();
  }

  #unavailable(id: JsonRpcResponse['id']): JsonRpcResponse {
    const state = this.#life.state;
    const failure = fail.upstreamUnavailable(
      state === 'restarting' || state === 'starting',
      this.#life.lastEnd?.description,
    );
    return { jsonrpc: '2.0', id, error: failure.toJson() };
  }
}
