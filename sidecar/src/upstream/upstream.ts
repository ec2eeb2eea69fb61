// One upstream MCP connection and its router: starts it, performs the bridge's own handshake and warm-up
// (warm mode), applies the router's effects, fails requests clearly when the connection ends, and in shared
// mode restarts it with exponential backoff and jitter, restoring the sessions' subscriptions and log level.

import {
  ERROR_CODES,
  exactId,
  type JsonRpcErrorObject,
  type JsonRpcMessage,
  type JsonRpcResponse,
} from '@mcp-sidecar/protocol';
import { setTimeout as sleep } from 'node:timers/promises';

import type { WarmupCall } from '@mcp-sidecar/contract';

import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import { Router } from '../router/router.ts';
import type { DropReason, Effect, Pending } from '../router/types.ts';
import { backoffDelay, CRASH_LOOP_CRASHES, errorText } from './backoff.ts';
import type { ConnectionEnd, Connector, UpstreamConnection, UpstreamMessage } from './connection.ts';
import { warmUp } from './warmup.ts';

/** Where the router delivers a request's messages: a POST response stream, or the legacy SSE stream. */
export interface ResponseSink {
  deliver(message: JsonRpcMessage, final: boolean): void;
  end(): void;
}

export type UpstreamState = 'starting' | 'ready' | 'restarting' | 'failed' | 'stopped';

export interface UpstreamOptions {
  readonly connect: Connector;
  /** per-session mode: one session owns this upstream. */
  readonly exclusive: boolean;
  /** shared mode: restart after the connection ends. */
  readonly restart: boolean;
  readonly warmup: readonly WarmupCall[];
  readonly log: Logger;
  readonly metrics: Metrics;
  /** Delivers a message on a session's standalone (GET) stream. */
  readonly notifySession: (sessionId: string, message: JsonRpcMessage) => void;
}

const BACKOFF_MIN_MS = 100;
const BACKOFF_MAX_MS = 10_000;
/** While the server is not there yet (no shim socket), retry often: it usually appears within seconds. */
const CONNECT_BACKOFF_MAX_MS = 1_000;
/** A restarted upstream that stays up this long resets the backoff. */
const STABLE_AFTER_MS = 30_000;
/** Crashes without a stable run in between that make a crash loop. */
/** Internal requests (handshake, warm-up) may wait this long; npx may be downloading the server first. */
const INTERNAL_TIMEOUT_MS = 120_000;

export class Upstream {
  readonly router: Router<ResponseSink>;
  /** Called when the connection ended for good without close() (not restarting); set by its owner now. */
  onEnd: ((end: ConnectionEnd) => void) | undefined;
  #state: UpstreamState = 'starting';
  #connection: UpstreamConnection | undefined;
  #lastEnd: ConnectionEnd | undefined;
  #lastError: string | undefined;
  /** Failed start attempts since the upstream was last ready; drives the retry backoff. */
  #attempts = 0;
  /** Started servers that died since the last stable run (ready for STABLE_AFTER_MS); drives /livez. */
  #crashes = 0;
  #lastCrash: string | undefined;
  /** The last start attempt failed before any server ran (e.g. no socket yet). */
  #waitingForServer = false;
  #readySince = 0;
  #cold = false;
  readonly #internal = new Map<number, (response: JsonRpcResponse) => void>();
  #readyWaiters: (() => void)[] = [];
  readonly #options: UpstreamOptions;

  constructor(options: UpstreamOptions) {
    this.#options = options;
    this.router = new Router({ exclusive: options.exclusive });
  }

  get state(): UpstreamState {
    return this.#state;
  }

  /** Why the upstream is not ready, for /readyz and /status. */
  get lastError(): string | undefined {
    return this.#lastError;
  }

  /**
   * Why the server is crash-looping: CRASH_LOOP_CRASHES started servers died with no stable run in between.
   * Waiting for a server that is not there yet (the shim's socket) is not a crash. /livez reports it.
   */
  get crashLoop(): string | undefined {
    const crashes = this.#stable() ? 0 : this.#crashes;
    return crashes >= CRASH_LOOP_CRASHES ? `the MCP server keeps failing: ${this.#lastCrash}` : undefined;
  }

  /** Servers started and died since the last stable run (the pool reads it after a failed warm-up). */
  get crashes(): number {
    return this.#crashes;
  }

  get description(): string | undefined {
    return this.#connection?.description;
  }

  get pid(): number | undefined {
    return this.#connection?.pid;
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
    this.#cold = mode === 'cold';
    this.#state = 'starting';
    const connection = this.#open();
    this.#connection = connection;
    if (this.#cold) {
      this.#state = 'ready';
      return;
    }
    try {
      await warmUp(this, this.#options.warmup);
      this.#becameReady();
    } catch (error) {
      this.#lastError =
        this.#lastEnd && connection.ended ? `the MCP server ${this.#lastEnd.description}` : errorText(error);
      this.#attempts += 1;
      this.#state = 'failed';
      this.#connection = undefined; // its end is this attempt's failure, not a new event
      await connection.close();
      throw new Error(this.#lastError, { cause: error });
    }
  }

  /** shared mode: start, and keep retrying with exponential backoff and jitter until ready or stopped. */
  async keepRunning(): Promise<void> {
    while (this.#state !== 'stopped') {
      try {
        await this.start('warm');
        this.#options.log.info({ upstream: this.description }, 'upstream ready');
        return;
      } catch (error) {
        if (this.#stopped()) return;
        this.#state = 'restarting';
        const max = this.#waitingForServer ? CONNECT_BACKOFF_MAX_MS : BACKOFF_MAX_MS;
        const delay = backoffDelay(this.#attempts, BACKOFF_MIN_MS, max);
        this.#options.log.error({ err: errorText(error), retryInMs: delay }, 'upstream not ready; retrying');
        await sleep(delay);
        this.#options.metrics.restarts.inc();
      }
    }
  }

  /** Routes a client message; requests that cannot reach the upstream are answered with an error at once. */
  fromClient(sessionId: string, message: UpstreamMessage, sink: ResponseSink): void {
    if (this.#debug) this.#logMessage('client → server', message, sessionId);
    if (this.#state !== 'ready') {
      if (message.kind === 'request') sink.deliver(this.#unavailable(exactId(message.message)), true);
      return;
    }
    this.#apply(this.router.fromClient(sessionId, message, sink));
  }

  closeSession(sessionId: string): void {
    this.#apply(this.router.closeSession(sessionId));
  }

  /** Sends a request as the bridge itself and waits for its answer. */
  request(method: string, params?: Record<string, unknown>): Promise<JsonRpcResponse> {
    const { id, effect } = this.router.internalRequest(method, params);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#internal.delete(id);
        reject(new Error(`${method} got no answer within ${INTERNAL_TIMEOUT_MS / 1000} s`));
      }, INTERNAL_TIMEOUT_MS);
      this.#internal.set(id, (response) => {
        clearTimeout(timer);
        resolve(response);
      });
      this.#apply([effect]);
    });
  }

  notifyUpstream(method: string): void {
    this.#connection?.send({ jsonrpc: '2.0', method });
  }

  async close(): Promise<void> {
    this.#state = 'stopped';
    await this.#connection?.close();
  }

  #open(): UpstreamConnection {
    this.#options.metrics.spawns.inc();
    const log = this.#options.log;
    const connection = this.#options.connect({
      onMessage: (message) => {
        if (this.#debug) this.#logMessage('server → bridge', message);
        this.#apply(this.router.fromUpstream(message));
      },
      onInvalidLine: (line, reason) => {
        this.#options.metrics.invalidLines.inc({ reason: 'not_json_rpc' });
        log.warn(
          { upstream: this.description, reason, line: line.slice(0, 200) },
          'skipped a stdout line that is not JSON-RPC',
        );
      },
      onOversize: (bytes, head) => this.#oversize(bytes, head),
      onStderr: (line) => log.info({ upstream: this.description, stream: 'stderr' }, line),
      onEnd: (end) => this.#ended(connection, end),
    });
    log.info({ upstream: connection.description }, 'upstream started');
    return connection;
  }

  #apply(effects: readonly Effect<ResponseSink>[]): void {
    for (const effect of effects) {
      switch (effect.kind) {
        case 'upstream':
          this.#connection?.send(effect.message);
          break;
        case 'deliver':
          effect.stream.deliver(effect.message, effect.final);
          break;
        case 'notify':
          this.#options.notifySession(effect.sessionId, effect.message);
          break;
        case 'end':
          effect.stream.end();
          break;
        case 'internal':
          this.#internal.get(effect.id)?.(effect.response);
          this.#internal.delete(effect.id);
          break;
        case 'dropped':
          this.#dropped(effect.reason, effect.detail);
      }
    }
  }

  /** Message bodies are logged at debug only (they may hold user data); the level check is all the hot path pays. */
  get #debug(): boolean {
    return this.#options.log.isLevelEnabled('debug');
  }

  #logMessage(direction: string, { message }: UpstreamMessage, session?: string): void {
    const fields = {
      session,
      rpc_id: 'id' in message ? message.id : undefined,
      method: 'method' in message ? message.method : undefined,
    };
    this.#options.log.debug({ ...fields, upstream: this.description, body: message }, direction);
  }

  #dropped(reason: DropReason, detail: string): void {
    this.#options.metrics.dropped.inc({ reason });
    this.#options.log.warn({ upstream: this.description, reason }, `message not delivered: ${detail}`);
  }

  /** An over-long message: if its id can be read, its request gets an error instead of waiting forever. */
  #oversize(bytes: number, head: string): void {
    this.#options.metrics.invalidLines.inc({ reason: 'too_long' });
    const id = /"id"\s*:\s*(\d+)/.exec(head)?.[1];
    this.#options.log.error({ upstream: this.description, bytes, id }, 'skipped a message over --max-message-size');
    if (id === undefined) return;
    const error = {
      code: ERROR_CODES.internalError,
      message: `the MCP server's answer was ${bytes} bytes or more, over mcp-sidecar's --max-message-size; raise the limit or ask for less data`,
    };
    this.#apply(this.router.fromUpstream({ kind: 'response', message: { jsonrpc: '2.0', id: Number(id), error } }));
  }

  #ended(connection: UpstreamConnection, end: ConnectionEnd): void {
    this.#lastEnd = end;
    if (connection !== this.#connection) return;
    const stage = this.#state;
    this.#waitingForServer = !end.started;
    if (end.started && stage !== 'stopped') this.#countCrash(end);
    this.#options.metrics.exits.inc({ expected: String(stage === 'stopped') });
    if (stage !== 'stopped') {
      const log = { upstream: connection.description, exitCode: end.exitCode, signal: end.signal };
      this.#options.log.error(log, `the MCP server ${end.description}`);
    }
    const restarting = this.#options.restart && stage === 'ready';
    // During start-up this fails the handshake's own requests, and start() reports the failure.
    this.#apply(this.router.upstreamLost((pending) => this.#lostError(pending, end, restarting)));
    if (stage === 'starting') return;
    if (stage === 'ready') this.#lastError = `the MCP server ${end.description}`;
    if (restarting) {
      this.#state = 'restarting';
      this.#options.metrics.restarts.inc();
      void this.keepRunning();
      return;
    }
    if (stage === 'stopped') return; // its owner closed it and needs no telling
    this.#state = 'failed';
    this.onEnd?.(end);
  }

  /** Resolves true once the upstream is ready, or false after `timeoutMs`. */
  whenReady(timeoutMs: number): Promise<boolean> {
    if (this.#state === 'ready') return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.#readyWaiters = this.#readyWaiters.filter((waiter) => waiter !== done);
        resolve(false);
      }, timeoutMs);
      this.#readyWaiters.push(done);
    });
  }

  #countCrash(end: ConnectionEnd): void {
    if (this.#stable()) this.#crashes = 0;
    this.#crashes += 1;
    this.#lastCrash = end.description;
  }

  #stable(): boolean {
    return this.#state === 'ready' && Date.now() - this.#readySince >= STABLE_AFTER_MS;
  }

  /** Read through a method: the state changes while awaiting, which narrowing cannot see. */
  #stopped(): boolean {
    return this.#state === 'stopped';
  }

  #becameReady(): void {
    this.#state = 'ready';
    this.#lastError = undefined;
    this.#attempts = 0;
    this.#waitingForServer = false;
    this.#readySince = Date.now();
    for (const waiter of this.#readyWaiters.splice(0)) waiter();
  }

  #lostError(pending: Pending<ResponseSink>, end: ConnectionEnd, restarting: boolean): JsonRpcErrorObject {
    const what = pending.target ? `${pending.method} '${pending.target}'` : pending.method;
    if (this.#state === 'stopped') {
      const message = `mcp-sidecar is shutting down and stopped the MCP server before it finished ${what}; retry the request`;
      return { code: ERROR_CODES.serverError, message };
    }
    const advice = restarting
      ? 'mcp-sidecar is restarting it; retry the request in a moment'
      : 'start a new session (initialize) to get a new server process';
    const data = { exitCode: end.exitCode, signal: end.signal };
    return {
      code: ERROR_CODES.serverError,
      message: `the MCP server ${end.description} while handling ${what}; ${advice}`,
      data,
    };
  }

  #unavailable(id: JsonRpcResponse['id']): JsonRpcResponse {
    const cause = this.#lastEnd ? ` after it ${this.#lastEnd.description}` : '';
    const message =
      this.#state === 'restarting' || this.#state === 'starting'
        ? `the MCP server is restarting${cause}; retry the request in a moment`
        : `the MCP server is not running${cause}; start a new session (initialize)`;
    return { jsonrpc: '2.0', id, error: { code: ERROR_CODES.serverError, message } };
  }
}
