// One upstream MCP server and its router. Composes the pieces: a transport (upstream/kinds), the router (pure
// routing), a supervisor (lifecycle, restarts, crash counting), the table of the bridge's own requests, and the
// interpreter that performs the router's effects. Warm mode performs the bridge's own handshake and warm-up; in
// shared mode a transport that ends is replaced, and the sessions' subscriptions and log level are restored.

import type { WarmupCall } from '@mcp-sidecar/contract';
import {
  type ClassifiedMessage,
  ERROR_CODES,
  exactId,
  type JsonRpcErrorObject,
  type JsonRpcMessage,
  type JsonRpcRequest,
  type JsonRpcResponse,
} from '@mcp-sidecar/protocol';

import type { RequestContext, ResponseSink } from '../context.ts';
import { errorText, fail, requestLabel, silentServer } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import type { RequestDecorator } from '../router/decorators.ts';
import { Router } from '../router/router.ts';
import type { DropReason, Effect, Pending, RouterSession } from '../router/types.ts';
import { Deadlines } from './deadlines.ts';
import { type DeniedEffect, perform, type SessionOwner } from './interpreter.ts';
import { ProbeSlot } from './probe.ts';
import { InternalRequests } from './requests.ts';
import { ServerOutput } from './server-output.ts';
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
  readonly limits: UpstreamLimits;
  /** Told when this upstream ended for good without close() (a pool replaces its idle upstreams this way). */
  readonly onEnded?: (upstream: Upstream) => void;
}

/** A started stdio server that has said nothing this long after initialize is reported as probably buffering. */
export const SILENT_AFTER_MS = 5_000;
/** The bounds an upstream enforces (README: Limits and timeouts). */
export interface UpstreamLimits {
  /** --request-timeout; 0: none. */
  readonly requestTimeout: number;
  /** --upstream-log-rate: stderr and junk stdout lines logged per second. */
  readonly logRate: number;
  /** --max-json-depth, named in the error for an answer nested deeper. */
  readonly maxJsonDepth: number;
}

export class Upstream {
  readonly router: Router<ResponseSink, UpstreamSessionOwner>;
  readonly #life: Supervisor;
  readonly #requests = new InternalRequests();
  readonly #probe = new ProbeSlot();
  readonly #deadlines: Deadlines;
  #transport: Transport | undefined;
  /** What the current transport's server says besides messages (and whether it has said anything). */
  #output: ServerOutput | undefined;
  /** Connections given up by reconnect(), closing; close() waits for them. */
  readonly #retired = new Set<Promise<void>>();
  readonly #options: UpstreamOptions;

  constructor(options: UpstreamOptions) {
    this.#options = options;
    this.router = new Router({ exclusive: options.exclusive, decorators: options.decorators });
    this.#life = new Supervisor({ restart: options.restart, log: options.log, metrics: options.metrics });
    this.#deadlines = new Deadlines({ timeoutMs: options.limits.requestTimeout, expire: (id) => this.#expired(id) });
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

  /** Why an upstream that was never ready does not start; requests are refused with it at once. */
  get startFailure(): string | undefined {
    return this.#life.startFailure;
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
    const silence = this.#watchSilence(this.#transport);
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
    } finally {
      clearTimeout(silence);
    }
  }

  /** A server that runs but says nothing after initialize is probably buffering its output: say so, and how to fix. */
  #watchSilence(transport: Transport): NodeJS.Timeout {
    const timer = setTimeout(() => {
      if (this.#output?.heard || transport.ended || !transport.stdio || this.#transport !== transport) return;
      const why = silentServer(SILENT_AFTER_MS / 1000);
      this.#options.log.warn({ upstream: transport.description }, why);
      this.#life.suspect(why);
    }, SILENT_AFTER_MS);
    timer.unref();
    return timer;
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
    let effects: readonly Effect<ResponseSink, UpstreamSessionOwner>[];
    try {
      effects = this.router.fromClient(route, ctx, message);
    } catch (error) {
      // A bug, not an input: the request is answered rather than left waiting for nothing.
      this.#options.log.error({ err: error, session: route.id, upstream: this.description }, 'routing failed');
      if (message.kind !== 'request') return;
      const failure = fail.notForwarded(requestLabel(message.message.method, undefined)).toJson();
      ctx.sink.deliver({ jsonrpc: '2.0', id: exactId(message.message), error: failure }, true);
      return;
    }
    this.#perform(effects);
  }

  closeSession(route: Route): void {
    this.#perform(this.router.closeSession(route));
  }

  /** Sends a request as the bridge itself and waits for its answer. */
  request(method: string, params?: Record<string, unknown>): Promise<JsonRpcResponse> {
    // A connection that already ended would never answer (its end has already failed what was pending).
    if (this.#transport?.ended !== false) return Promise.reject(new Error(`${method}: the connection has ended`));
    const { id, effect } = this.router.internalRequest(method, params);
    const answer = this.#requests.wait(id, method);
    // Waited too long: the router forgets it too, so it is not counted in flight forever.
    answer.catch((error: unknown) => this.#perform(this.router.abandon(id, () => failure(errorText(error)))));
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
    const output = this.#outputFor();
    this.#output = output;
    const transport = this.#options.open({
      onMessage: (message) => {
        output.heard = true;
        if (this.#debug) this.#logMessage('server → bridge', message);
        if (this.#probe.take(message)) return;
        this.#watchDeadline(message);
        this.#perform(this.router.fromUpstream(message));
      },
      onInvalidLine: (line, reason, limit) => output.invalidLine(line, reason, limit),
      onOversize: (bytes, head) => output.oversize(bytes, head),
      onLog: (line) => output.stderrLine(line),
      onEnd: (end) => {
        output.flush();
        if (transport === this.#transport) this.#probe.ended();
        this.#ended(transport, end);
      },
    });
    // A command that could not be spawned has no pid; its error follows, and "started" would be untrue.
    if (!transport.process || transport.process.pid !== undefined) {
      this.#options.log.info({ upstream: transport.description }, 'upstream started');
    }
    return transport;
  }

  #outputFor(): ServerOutput {
    const { log, metrics, limits } = this.#options;
    return new ServerOutput({
      log,
      metrics,
      logRate: limits.logRate,
      maxJsonDepth: limits.maxJsonDepth,
      describe: () => this.description,
      failAnswer: (id, error) => {
        this.#deadlines.settle(id);
        this.#perform(this.router.fromUpstream({ kind: 'response', message: { jsonrpc: '2.0', id, error } }));
      },
    });
  }

  #perform(effects: readonly Effect<ResponseSink, UpstreamSessionOwner>[]): void {
    perform(effects, {
      toUpstream: (message) => this.#send(message),
      internal: (id, response) => this.#requests.settle(id, response),
      dropped: (reason, detail, expected) => this.#dropped(reason, detail, expected),
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

  #dropped(reason: DropReason, detail: string, expected: boolean): void {
    this.#options.metrics.dropped.inc({ reason });
    const { log } = this.#options;
    if (expected) log.info({ upstream: this.description, reason }, detail);
    else log.warn({ upstream: this.description, reason }, `message not delivered: ${detail}`);
  }

  #denied({ denial, caller, method, logFields }: DeniedEffect): void {
    this.#options.metrics.policyDenials.inc({ kind: denial.kind });
    const fields = { ...logFields, caller, method, name: denial.name, reason: denial.reason };
    this.#options.log.warn(fields, `access denied: ${caller} may not use ${method} '${denial.name}'`);
  }

  /**
   * Writes a message to the server. A request that cannot be written (it cannot be serialized, the transport threw)
   * is failed at once, so nothing waits for an answer that will never come; one that is written starts its deadline.
   */
  #send(message: JsonRpcMessage): void {
    const id = 'method' in message && 'id' in message ? message.id : undefined;
    try {
      this.#transport?.send(message);
    } catch (error) {
      this.#options.log.error({ err: error, upstream: this.description }, 'could not write a message to the server');
      if (typeof id !== 'number') return;
      const notSent = (pending: Pending<ResponseSink, unknown>) =>
        fail.notForwarded(requestLabel(pending.method, pending.target)).toJson();
      this.#perform(this.router.abandon(id, notSent));
      return;
    }
    if (typeof id === 'number' && !this.#requests.has(id)) this.#deadlines.start(id);
  }

  /** Answers settle a request's deadline; progress for it starts its clock again (the token is the upstream id). */
  #watchDeadline({ kind, message }: ClassifiedMessage): void {
    if (kind === 'response') {
      if (typeof message.id === 'number') this.#deadlines.settle(message.id);
    } else if (kind === 'notification' && message.method === 'notifications/progress') {
      const token = message.params?.progressToken;
      if (typeof token === 'number') this.#deadlines.extend(token);
    }
  }

  /** --request-timeout: the client gets an error saying so, the server a cancellation, the slot is free. */
  #expired(id: number): void {
    const timeout = this.#options.limits.requestTimeout;
    let what = '';
    const timedOut = (pending: Pending<ResponseSink, unknown>) => {
      what = requestLabel(pending.method, pending.target);
      return fail.requestTimeout(what, timeout).toJson();
    };
    const effects = this.router.abandon(id, timedOut, "no answer within mcp-sidecar's --request-timeout");
    if (effects.length === 0) return;
    this.#options.metrics.requestTimeouts.inc();
    this.#options.log.warn({ upstream: this.description, request: what }, 'request timed out; cancelled upstream');
    this.#perform(effects);
  }

  #ended(transport: Transport, end: TransportEnd): void {
    const next = this.#life.ended(end, transport === this.#transport);
    if (next === undefined) return;
    if (next !== 'stopped') {
      const log = { upstream: transport.description, exitCode: end.process?.exitCode, signal: end.process?.signal };
      this.#options.log.error(log, `the MCP server ${end.description}`);
    }
    // During start-up this fails the handshake's own requests, and start() reports the failure.
    this.#deadlines.clear();
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

/** The error a request of the bridge's own gets when it is abandoned (it never reaches a client). */
const failure = (message: string): JsonRpcErrorObject => ({ code: ERROR_CODES.internalError, message });
