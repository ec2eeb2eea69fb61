// Deadlines of the client requests in flight on one upstream (--request-timeout), by upstream request id. Every
// deadline is "now + the same timeout", so the order requests are started (or last extended by progress) is also
// the order they fall due: a Map kept in that order is a priority queue with O(1) start, extend and settle, and one
// timer armed for the head is all it costs. What to do with an expired request is the caller's: the router turns it
// into an error for the client and a cancellation for the server.

export interface DeadlineOptions {
  /** 0 switches deadlines off. */
  readonly timeoutMs: number;
  readonly expire: (id: number) => void;
  readonly now?: () => number;
}

export class Deadlines {
  readonly #timeoutMs: number;
  readonly #expire: (id: number) => void;
  readonly #now: () => number;
  /** Upstream id → when it falls due; insertion order is due order. */
  readonly #due = new Map<number, number>();
  #timer: NodeJS.Timeout | undefined;

  constructor(options: DeadlineOptions) {
    this.#timeoutMs = options.timeoutMs;
    this.#expire = options.expire;
    this.#now = options.now ?? (() => performance.now());
  }

  get size(): number {
    return this.#due.size;
  }

  /** A request went upstream (upstream ids are never reused): it falls due one timeout from now. */
  start(id: number): void {
    if (this.#timeoutMs === 0) return;
    this.#due.set(id, this.#now() + this.#timeoutMs);
    this.#arm();
  }

  /** Progress for a request: its clock starts again (and it moves to the back of the queue, to stay in due order). */
  extend(id: number): void {
    if (this.#due.delete(id)) this.start(id);
  }

  /** The request was answered, cancelled or failed. */
  settle(id: number): void {
    this.#due.delete(id);
  }

  /** The upstream is gone: every request in flight has already been failed. */
  clear(): void {
    this.#due.clear();
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #arm(): void {
    if (this.#timer !== undefined) return;
    const head = this.#due.values().next();
    if (head.done) return;
    this.#timer = setTimeout(() => this.#fire(), Math.max(0, head.value - this.#now()));
    // A deadline never keeps the process alive on its own.
    this.#timer.unref();
  }

  #fire(): void {
    this.#timer = undefined;
    const now = this.#now();
    for (const [id, due] of this.#due) {
      if (due > now) break;
      this.#due.delete(id);
      this.#expire(id);
    }
    this.#arm();
  }
}
