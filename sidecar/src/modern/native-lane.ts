// Lanes for a server that speaks 2026-07-28 itself (modern/upstream-era.ts): its own connection, opened with
// server/discover, restarted like a shared upstream in either session mode (a stateless protocol has no session to
// isolate, and the server's own requestState must come back to the process that issued it). And the lane that
// stands in until the server's era is known (--upstream-protocol auto: the first handshake's probe).

import { HttpRefusal, refuse } from '../errors.ts';
import type { Upstream } from '../upstream/upstream.ts';
import { type LaneWatcher, type ModernLane, READY_WAIT_MS, SingleUpstreamLane } from './lanes.ts';
import type { ModernMember } from './member.ts';
import { initializeLike } from './upstream-era.ts';

type InitializeResult = Readonly<Record<string, unknown>>;

export class NativeLane extends SingleUpstreamLane {
  readonly translates = false;
  #discovered: InitializeResult | undefined;

  /** `make` builds the upstream, handing it the callback its handshake reports server/discover's answer to. */
  constructor(make: (onDiscover: (result: Record<string, unknown>) => void) => Upstream) {
    let discovered: (result: Record<string, unknown>) => void = () => undefined;
    super(make((result) => discovered(result)));
    discovered = (result) => (this.#discovered = initializeLike(result));
    void this.upstream.keepRunning();
  }

  /** Its own connection: one upstream the bridge runs besides the 2025 ones. */
  override get size(): number {
    return 1;
  }

  initializeResult(): InitializeResult | undefined {
    return this.upstream.state === 'ready' ? this.#discovered : undefined;
  }

  override close(): Promise<void> {
    return this.upstream.close();
  }
}

/** The lane while the upstream's era is being probed: requests wait for the verdict (PROBE_TIMEOUT_MS at most). */
export class DeferredLane implements ModernLane {
  #inner: ModernLane | undefined;
  readonly #ready: Promise<ModernLane>;
  readonly #watchers: LaneWatcher[] = [];
  #closed = false;

  constructor(lane: Promise<ModernLane>) {
    this.#ready = lane.then((inner) => {
      this.#inner = inner;
      if (this.#closed) void inner.close(); // decided after shutdown: nothing will use it
      for (const watcher of this.#watchers.splice(0)) {
        inner.watch(watcher);
        for (const upstream of inner.upstreams()) watcher.added(upstream);
      }
      return inner;
    });
  }

  get translates(): boolean {
    return this.#inner?.translates ?? true;
  }

  get size(): number {
    return this.#inner?.size ?? 0;
  }

  /** The lane once the probe has decided, or undefined before. */
  get decided(): ModernLane | undefined {
    return this.#inner;
  }

  initializeResult(): InitializeResult | undefined {
    return this.#inner?.initializeResult();
  }

  async whenReady(): Promise<InitializeResult | HttpRefusal> {
    const inner = await this.#decided();
    return inner instanceof HttpRefusal ? inner : inner.whenReady();
  }

  borrow(): ModernMember | Promise<ModernMember | HttpRefusal> {
    if (this.#inner) return this.#inner.borrow();
    return this.#decided().then((inner) => (inner instanceof HttpRefusal ? inner : inner.borrow()));
  }

  /** The lane once decided; a refusal when the server's first handshake has not told its era in time. */
  async #decided(): Promise<ModernLane | HttpRefusal> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<HttpRefusal>((resolve) => {
      timer = setTimeout(() => resolve(refuse.upstreamNotReady('its protocol era is not known yet')), READY_WAIT_MS);
    });
    try {
      return await Promise.race([this.#ready, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  release(member: ModernMember): void {
    this.#inner?.release(member);
  }

  upstreams(): Iterable<Upstream> {
    return this.#inner?.upstreams() ?? [];
  }

  tick(now: number): void {
    this.#inner?.tick?.(now);
  }

  watch(watcher: LaneWatcher): void {
    if (this.#inner) this.#inner.watch(watcher);
    else this.#watchers.push(watcher);
  }

  /** Closes the lane if decided; a bridge whose server never started (so never probed) has nothing to close. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#inner?.close();
  }
}
