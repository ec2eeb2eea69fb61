// Which upstream serves a 2026-07-28 request. A modern request has no session to bind an upstream to, so:
// - shared mode: the shared upstream, through its modern member (lease and release cost nothing);
// - per-session mode: an upstream lent for the call and given back afterwards. Lent upstreams come from the warm
//   pool (which then warms a replacement) or are started warm, serve one call at a time (so the server's questions
//   are always tied to the right call), and are kept for the next modern call, never handed to a 2025 session:
//   2025 sessions keep a process of their own that no other client has touched (ARCHITECTURE.md, "Modern requests").

import { LATEST_PROTOCOL_VERSION } from '@mcp-sidecar/protocol';

import { HttpRefusal, refuse } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { UpstreamFactory, UpstreamPool } from '../upstream/pool.ts';
import type { Upstream } from '../upstream/upstream.ts';
import { memberOf, type ModernMember } from './member.ts';

/** How long a modern request waits for a (re)starting upstream before 503, as an initialize does. */
export const READY_WAIT_MS = 30_000;

type InitializeResult = Readonly<Record<string, unknown>>;

/** Told when an upstream starts or stops serving modern calls (subscriptions/listen follows every one of them). */
export interface LaneWatcher {
  added(upstream: Upstream): void;
  removed(upstream: Upstream): void;
}

export interface ModernLane {
  /** A 2025-era server behind: requests are translated (envelope off, answers stamped, questions become MRTR). */
  readonly translates: boolean;
  /** The server's InitializeResult, when one is at hand without waiting. */
  initializeResult(): InitializeResult | undefined;
  /** Waits (bounded) until an InitializeResult is known. */
  whenReady(): Promise<InitializeResult | HttpRefusal>;
  /** An upstream for one call: synchronous when one is ready now. */
  borrow(): ModernMember | Promise<ModernMember | HttpRefusal>;
  release(member: ModernMember): void;
  /** Upstreams serving modern calls now; `watch` hears of later ones. */
  upstreams(): Iterable<Upstream>;
  watch(watcher: LaneWatcher): void;
  /** Upstreams serving a call or kept for the next one (per-session mode), for metrics and shutdown. */
  readonly size: number;
  /** Periodic work (per-session mode: upstreams idle too long are stopped). */
  tick?(now: number): void;
  close(): Promise<void>;
}

/** A lane of one upstream serving every modern call (lending costs nothing); subclasses say what it was told. */
export abstract class SingleUpstreamLane implements ModernLane {
  abstract readonly translates: boolean;
  protected readonly upstream: Upstream;

  constructor(upstream: Upstream) {
    this.upstream = upstream;
  }

  abstract initializeResult(): InitializeResult | undefined;

  get size(): number {
    return 0;
  }

  async whenReady(): Promise<InitializeResult | HttpRefusal> {
    const known = this.initializeResult();
    if (known) return known;
    await this.upstream.whenReady(READY_WAIT_MS);
    return this.initializeResult() ?? refuse.upstreamNotReady(this.upstream.lastError ?? 'it is still starting');
  }

  borrow(): ModernMember | Promise<ModernMember | HttpRefusal> {
    if (this.upstream.state === 'ready') return memberOf(this.upstream);
    return this.whenReady().then((ready) => (ready instanceof HttpRefusal ? ready : memberOf(this.upstream)));
  }

  release(): void {}

  upstreams(): Iterable<Upstream> {
    return [this.upstream];
  }

  watch(): void {}

  async close(): Promise<void> {}
}

/** Shared mode with a 2025-era server: the shared upstream (the session table owns and closes it). */
export class SharedLane extends SingleUpstreamLane {
  readonly translates = true;

  initializeResult(): InitializeResult | undefined {
    return this.upstream.state === 'ready' ? this.upstream.router.initializeResult : undefined;
  }
}

export interface PooledLaneOptions {
  readonly pool: UpstreamPool;
  readonly create: UpstreamFactory;
  /** Upstreams lent at once; more calls get 503 as sessions over --max-sessions do. */
  readonly maxLent: number;
  /** An upstream idle this long is stopped (--session-idle-timeout, as a 2025 session's would be). */
  readonly idleTimeoutMs: number;
  readonly log: Logger;
}

export class PooledLane implements ModernLane {
  readonly translates = true;
  readonly #options: PooledLaneOptions;
  /** Upstreams waiting for the next call, most recently used last (lent first: the warmest). */
  readonly #idle: ModernMember[] = [];
  readonly #idleSince = new WeakMap<ModernMember, number>();
  readonly #all = new Set<Upstream>();
  readonly #watchers: LaneWatcher[] = [];
  #lent = 0;
  #lastInitialize: InitializeResult | undefined;

  constructor(options: PooledLaneOptions) {
    this.#options = options;
  }

  get size(): number {
    return this.#all.size;
  }

  initializeResult(): InitializeResult | undefined {
    this.#lastInitialize ??= this.#options.pool.upstreams[0]?.router.initializeResult;
    return this.#lastInitialize;
  }

  async whenReady(): Promise<InitializeResult | HttpRefusal> {
    const known = this.initializeResult();
    if (known) return known;
    const member = await this.borrow();
    if (member instanceof HttpRefusal) return member;
    this.release(member);
    return this.initializeResult() ?? refuse.upstreamNotReady('its handshake gave no InitializeResult');
  }

  borrow(): ModernMember | Promise<ModernMember | HttpRefusal> {
    if (this.#lent >= this.#options.maxLent) return Promise.resolve(refuse.tooManySessions(this.#options.maxLent));
    this.#lent += 1;
    for (let idle = this.#idle.pop(); idle; idle = this.#idle.pop()) {
      // An upstream the pool made reports its end to the pool, not here: a dead one is found when it is picked.
      if (idle.upstream.state === 'ready') return idle;
      void this.#retire(idle.upstream);
    }
    return this.#fresh().then(
      (member) => member,
      (error: unknown) => {
        this.#lent -= 1;
        this.#options.log.error({ err: error }, 'could not start an upstream for a 2026-07-28 request');
        return refuse.upstreamNotReady(error instanceof Error ? error.message : String(error));
      },
    );
  }

  /**
   * Kept for the next call, so a steady load of N concurrent calls keeps N processes instead of starting one per
   * call; stopped after --session-idle-timeout unused (tick).
   */
  release(member: ModernMember): void {
    this.#lent -= 1;
    const upstream = member.upstream;
    if (upstream.state !== 'ready') return void this.#retire(upstream);
    this.#idleSince.set(member, Date.now());
    this.#idle.push(member);
  }

  tick(now: number): void {
    const before = now - this.#options.idleTimeoutMs;
    while (this.#idle.length > 0 && (this.#idleSince.get(this.#idle[0]!) ?? now) < before) {
      void this.#retire(this.#idle.shift()!.upstream);
    }
  }

  upstreams(): Iterable<Upstream> {
    return this.#all;
  }

  watch(watcher: LaneWatcher): void {
    this.#watchers.push(watcher);
  }

  async close(): Promise<void> {
    await Promise.all([...this.#all].map((upstream) => this.#retire(upstream)));
  }

  /** A warm pooled upstream (the pool warms a replacement), or one started warm now. */
  async #fresh(): Promise<ModernMember> {
    let upstream = await this.#options.pool.acquire(LATEST_PROTOCOL_VERSION);
    if (!upstream) {
      upstream = this.#options.create((ended) => this.#ended(ended));
      await upstream.start('warm');
    }
    this.#lastInitialize = upstream.router.initializeResult ?? this.#lastInitialize;
    this.#all.add(upstream);
    for (const watcher of this.#watchers) watcher.added(upstream);
    return memberOf(upstream);
  }

  /** An idle lent upstream ended on its own: forget it (a busy one fails its call, which then retires it). */
  #ended(upstream: Upstream): void {
    const index = this.#idle.findIndex((member) => member.upstream === upstream);
    if (index !== -1) this.#idle.splice(index, 1);
    void this.#retire(upstream);
  }

  async #retire(upstream: Upstream): Promise<void> {
    if (!this.#all.delete(upstream)) return;
    for (const watcher of this.#watchers) watcher.removed(upstream);
    await upstream.close();
  }
}
