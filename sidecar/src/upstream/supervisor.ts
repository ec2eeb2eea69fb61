// Keeping an upstream running: its lifecycle state, retries with exponential backoff and jitter, and crash-loop
// counting. The shared upstream's restarts and the warm pool's warm-ups both use these pieces, so "how often do
// we retry" and "when is it a crash loop" have one answer. Knows nothing of transports or routers: an Upstream
// tells its Supervisor what happened and asks it what to do next.

import { setTimeout as sleep } from 'node:timers/promises';

import { errorText } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import type { TransportEnd } from './transport.ts';

/** Started servers that died with no stable run in between: that many make a crash loop (reported by /livez). */
export const CRASH_LOOP_CRASHES = 5;

/** Exponential backoff with jitter: retry `attempt` (1, 2, …) waits 50–100 % of min(max, base · 2^(attempt − 1)). */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
}

/** Consecutive failures and the delay before the next try. */
export class Backoff {
  #failures = 0;
  readonly #minMs: number;
  readonly #maxMs: number;

  constructor(minMs: number, maxMs: number) {
    this.#minMs = minMs;
    this.#maxMs = maxMs;
  }

  get failures(): number {
    return this.#failures;
  }

  failed(): void {
    this.#failures += 1;
  }

  /** The delay before the next try; `maxMs` overrides the ceiling (e.g. while waiting for a socket to appear). */
  delay(maxMs = this.#maxMs): number {
    return backoffDelay(this.#failures, this.#minMs, maxMs);
  }

  reset(): void {
    this.#failures = 0;
  }
}

/** Crashes of started servers since the last reset, and the last one's cause: /livez reports a crash loop. */
export class CrashCounter {
  #crashes = 0;
  #last: string | undefined;

  get count(): number {
    return this.#crashes;
  }

  crashed(cause: string): void {
    this.#crashes += 1;
    this.#last = cause;
  }

  reset(): void {
    this.#crashes = 0;
  }

  /** `${what}: ${last cause}` once CRASH_LOOP_CRASHES crashes happened without a reset. */
  loop(what: string): string | undefined {
    return this.#crashes >= CRASH_LOOP_CRASHES ? `${what}: ${this.#last}` : undefined;
  }
}

export type LifecycleState = 'starting' | 'ready' | 'restarting' | 'failed' | 'stopped';

/** What the upstream does after its transport ended. */
export type AfterEnd = 'handshake_failed' | 'restart' | 'stopped' | 'failed';

export interface SupervisorOptions {
  /** shared mode: restart after the transport ends; per-session: an ended upstream stays ended. */
  readonly restart: boolean;
  readonly log: Logger;
  readonly metrics: Metrics;
}

const BACKOFF_MIN_MS = 100;
const BACKOFF_MAX_MS = 10_000;
/** While the server is not there yet (no shim socket), retry often: it usually appears within seconds. */
const CONNECT_BACKOFF_MAX_MS = 1_000;
/** A restarted upstream that stays up this long resets the backoff and the crash count. */
const STABLE_AFTER_MS = 30_000;

export class Supervisor {
  #state: LifecycleState = 'starting';
  #lastError: string | undefined;
  #lastEnd: TransportEnd | undefined;
  /** Failed start attempts since the upstream was last ready. */
  readonly #attempts = new Backoff(BACKOFF_MIN_MS, BACKOFF_MAX_MS);
  /** Started servers that died since the last stable run. */
  readonly #crashes = new CrashCounter();
  /** The last start attempt failed before any server ran (e.g. no socket yet). */
  #waitingForServer = false;
  #readySince = 0;
  /** The upstream was ready at least once: after that, a failure is a restart to wait for, not a start-up problem. */
  #everReady = false;
  #readyWaiters: ((ready: boolean) => void)[] = [];
  readonly #options: SupervisorOptions;

  constructor(options: SupervisorOptions) {
    this.#options = options;
  }

  get state(): LifecycleState {
    return this.#state;
  }

  /** Why the upstream is not ready, for /readyz and /status. */
  get lastError(): string | undefined {
    return this.#lastError;
  }

  /** Why an upstream that was never ready cannot start (yet): clients are told at once instead of waiting. */
  get startFailure(): string | undefined {
    return this.#everReady ? undefined : this.#lastError;
  }

  /** How the last transport ended, whichever it was. */
  get lastEnd(): TransportEnd | undefined {
    return this.#lastEnd;
  }

  /** Servers started and died since the last stable run (the pool reads it after a failed warm-up). */
  get crashes(): number {
    return this.#stable() ? 0 : this.#crashes.count;
  }

  /** Set while the server keeps dying with no stable run in between; waiting for a server that is not there yet is not it. */
  get crashLoop(): string | undefined {
    return this.#stable() ? undefined : this.#crashes.loop('the MCP server keeps failing');
  }

  starting(): void {
    this.#state = 'starting';
  }

  ready(): void {
    this.#state = 'ready';
    this.#lastError = undefined;
    this.#attempts.reset();
    this.#waitingForServer = false;
    this.#readySince = Date.now();
    this.#everReady = true;
    this.#wake(true);
  }

  /** A start attempt failed for `why` (the transport is already closed or closing). */
  failed(why: string): void {
    this.#lastError = why;
    this.#attempts.failed();
    if (this.#state !== 'stopped') this.#state = 'failed'; // a start cut short by shutdown stays stopped
    if (!this.#everReady) this.#wake(false);
  }

  /** The start attempt under way looks stuck, for `why`: reported while it goes on (it may still succeed). */
  suspect(why: string): void {
    if (this.#state !== 'starting') return;
    this.#lastError = why;
    if (!this.#everReady) this.#wake(false);
  }

  stop(): void {
    this.#state = 'stopped';
  }

  /** `attempt` until it succeeds or the upstream is stopped, waiting out the backoff between tries. */
  async keepRunning(attempt: () => Promise<void>, describe: () => string | undefined): Promise<void> {
    while (this.#state !== 'stopped') {
      try {
        await attempt();
        this.#options.log.info({ upstream: describe() }, 'upstream ready');
        return;
      } catch (error) {
        if (this.#stopped()) return;
        this.#state = 'restarting';
        const delay = this.#attempts.delay(this.#waitingForServer ? CONNECT_BACKOFF_MAX_MS : undefined);
        this.#options.log.error({ err: errorText(error), retryInMs: delay }, 'upstream not ready; retrying');
        await sleep(delay);
        this.#options.metrics.restarts.inc();
      }
    }
  }

  /** Any transport of this upstream ended; only the current one's end (`current`) changes what happens next. */
  ended(end: TransportEnd, current: boolean): AfterEnd | undefined {
    this.#lastEnd = end;
    if (!current) return undefined;
    const stage = this.#state;
    this.#waitingForServer = !end.started;
    if (end.started && stage !== 'stopped') this.#countCrash(end);
    this.#options.metrics.exits.inc({ expected: String(stage === 'stopped') });
    if (stage === 'starting') return 'handshake_failed';
    if (stage === 'stopped') return 'stopped';
    if (stage === 'ready') this.#lastError = `the MCP server ${end.description}`;
    if (this.#options.restart && stage === 'ready') {
      this.#state = 'restarting';
      this.#options.metrics.restarts.inc();
      return 'restart';
    }
    this.#state = 'failed';
    return 'failed';
  }

  /**
   * Resolves true once the upstream is ready; false after `timeoutMs`, or as soon as an upstream that was never
   * ready is known not to start (startFailure says why).
   */
  whenReady(timeoutMs: number): Promise<boolean> {
    if (this.#state === 'ready') return Promise.resolve(true);
    if (this.startFailure !== undefined) return Promise.resolve(false);
    return new Promise((resolve) => {
      const done = (ready: boolean) => {
        clearTimeout(timer);
        resolve(ready);
      };
      const timer = setTimeout(() => {
        this.#readyWaiters = this.#readyWaiters.filter((waiter) => waiter !== done);
        resolve(false);
      }, timeoutMs);
      this.#readyWaiters.push(done);
    });
  }

  #wake(ready: boolean): void {
    for (const waiter of this.#readyWaiters.splice(0)) waiter(ready);
  }

  #countCrash(end: TransportEnd): void {
    if (this.#stable()) this.#crashes.reset();
    this.#crashes.crashed(end.description);
  }

  #stable(): boolean {
    return this.#state === 'ready' && Date.now() - this.#readySince >= STABLE_AFTER_MS;
  }

  /** Read through a method: the state changes while awaiting, which narrowing cannot see. */
  #stopped(): boolean {
    return this.#state === 'stopped';
  }
}
