// per-session mode's warm pool: `--pool-min` upstreams started, initialized and warmed up ahead of demand, so
// a new session skips the server's start-up and handshake. Taking one starts a replacement; a pooled upstream
// that dies while idle is replaced; failed warm-ups are retried with exponential backoff.

import { setTimeout as sleep } from 'node:timers/promises';

import { errorText } from '../errors.ts';
import type { Logger } from '../log.ts';
import { Backoff, CrashCounter } from './supervisor.ts';
import type { Upstream } from './upstream.ts';

/** Makes a new upstream; `onEnded` is told if it ends for good on its own (so the pool can replace it). */
export type UpstreamFactory = (onEnded?: (upstream: Upstream) => void) => Upstream;

const RETRY_MIN_MS = 200;
const RETRY_MAX_MS = 30_000;

export interface PoolStatus {
  readonly min: number;
  readonly ready: number;
  readonly warming: number;
  /** The pool reached --pool-min at least once, and the latest warm-up succeeded. */
  readonly healthy: boolean;
  readonly lastError: string | undefined;
  /** Set when warm-ups keep failing because the servers die (reported by /livez); waiting for a socket is not it. */
  readonly crashLoop: string | undefined;
}

export class UpstreamPool {
  readonly #create: UpstreamFactory;
  readonly #min: number;
  readonly #log: Logger;
  readonly #ready: Upstream[] = [];
  /**
   * Upstreams being warmed up now: /readyz reports their start-up problems (e.g. a silent server) before they fail,
   * and shutdown closes them at once, so none outlives the bridge.
   */
  readonly #warmingNow = new Set<Upstream>();
  #warming = 0;
  #filledOnce = false;
  /** Consecutive failed warm-ups, and the delay before the next. */
  readonly #failures = new Backoff(RETRY_MIN_MS, RETRY_MAX_MS);
  /** Consecutive failed warm-ups in which the server had started and died. */
  readonly #crashes = new CrashCounter();
  #lastError: string | undefined;
  #stopped = false;
  /** Sessions waiting for a warm-up under way; each is promised one. */
  #promised = 0;
  /** The version the pool's upstreams negotiated last time one got warm. */
  #lastVersion: string | undefined;
  #warmedWaiters: (() => void)[] = [];

  constructor(create: UpstreamFactory, min: number, log: Logger) {
    this.#create = create;
    this.#min = min;
    this.#log = log;
  }

  get status(): PoolStatus {
    return {
      min: this.#min,
      ready: this.#ready.length,
      warming: this.#warming,
      healthy: this.#min === 0 || (this.#filledOnce && this.#failures.failures === 0),
      lastError: this.#lastError ?? [...this.#warmingNow].find((upstream) => upstream.startFailure)?.startFailure,
      crashLoop: this.#crashes.loop('warm-ups keep failing'),
    };
  }

  get upstreams(): readonly Upstream[] {
    return this.#ready;
  }

  /** Starts warming upstreams until --pool-min are ready or warming. */
  fill(): void {
    while (!this.#stopped && this.#ready.length + this.#warming < this.#min) void this.#warmOne();
  }

  /** A warm upstream that negotiated `protocolVersion`, or undefined (the caller starts a cold one). */
  take(protocolVersion: unknown): Upstream | undefined {
    const index = this.#ready.findIndex((upstream) => upstream.negotiatedVersion === protocolVersion);
    if (index === -1) return undefined;
    const [upstream] = this.#ready.splice(index, 1);
    this.fill();
    return upstream;
  }

  /**
   * A warm upstream now, or else the next one to finish warming when a warm-up is under way that no other
   * session was promised: waiting for it is never slower than starting a cold one, and spawns nothing extra.
   * Undefined means "start a cold one".
   */
  async acquire(protocolVersion: unknown): Promise<Upstream | undefined> {
    const ready = this.take(protocolVersion);
    const known = this.#lastVersion;
    if (ready || this.#warming <= this.#promised || (known !== undefined && known !== protocolVersion)) return ready;
    this.#promised += 1;
    try {
      await new Promise<void>((resolve) => this.#warmedWaiters.push(resolve));
      return this.take(protocolVersion);
    } finally {
      this.#promised -= 1;
    }
  }

  async close(): Promise<void> {
    this.#stopped = true;
    await Promise.all([...this.#ready.splice(0), ...this.#warmingNow].map((upstream) => upstream.close()));
  }

  async #warmOne(): Promise<void> {
    this.#warming += 1;
    const upstream = this.#create((ended) => this.#evict(ended));
    this.#warmingNow.add(upstream);
    let retryInMs = 0;
    try {
      await upstream.start('warm');
      this.#failures.reset();
      this.#crashes.reset();
      this.#lastError = undefined;
      if (this.#stopped) return void (await upstream.close());
      this.#lastVersion = upstream.negotiatedVersion;
      this.#ready.push(upstream);
      if (this.#ready.length >= this.#min) this.#filledOnce = true;
    } catch (error) {
      if (this.#stopped) return; // closed by close() while it warmed up
      this.#failures.failed();
      this.#lastError = errorText(error);
      if (upstream.crashes > 0) this.#crashes.crashed(this.#lastError);
      retryInMs = this.#failures.delay();
      this.#log.error({ err: this.#lastError, retryInMs }, 'warm-up of a pooled upstream failed');
    } finally {
      this.#warmingNow.delete(upstream);
      this.#warming -= 1;
      // Wake one waiting session: it takes this upstream, or starts a cold one rather than wait out a backoff.
      this.#warmedWaiters.shift()?.();
    }
    if (retryInMs > 0) await sleep(retryInMs);
    this.fill();
  }

  /** A pooled upstream died while waiting for a session (once a session took it, the session is told instead). */
  #evict(upstream: Upstream): void {
    const index = this.#ready.indexOf(upstream);
    if (index === -1) return;
    this.#ready.splice(index, 1);
    this.#log.warn({ upstream: upstream.description }, 'a pooled upstream ended while idle; replacing it');
    this.fill();
  }
}
