// Flood control for what a server writes besides JSON-RPC (stderr lines, junk on stdout): a token bucket per source
// lets `rate` lines a second through (bursts of twice that), counts the rest without doing any logging work for them,
// and reports the count in one summary line at most every SUMMARY_MS. A server that writes 100,000 lines a second
// costs the log pipeline `rate` lines a second plus one summary every few seconds.

export const SUMMARY_MS = 5_000;

export interface LineLimiterOptions {
  /** Lines per second let through; the bucket holds twice that, for bursts. */
  readonly rate: number;
  /** Told how many lines were held back since the last summary. */
  readonly summarise: (suppressed: number, periodMs: number) => void;
  readonly now?: () => number;
}

export class LineLimiter {
  readonly #rate: number;
  readonly #capacity: number;
  readonly #summarise: LineLimiterOptions['summarise'];
  readonly #now: () => number;
  #tokens: number;
  #refilledAt: number;
  #suppressed = 0;
  #summaryTimer: NodeJS.Timeout | undefined;
  #periodStart = 0;

  constructor(options: LineLimiterOptions) {
    this.#rate = options.rate;
    this.#capacity = options.rate * 2;
    this.#summarise = options.summarise;
    this.#now = options.now ?? (() => performance.now());
    this.#tokens = this.#capacity;
    this.#refilledAt = this.#now();
  }

  /** True when this line may be logged; false when it is only counted. */
  admit(): boolean {
    const now = this.#now();
    this.#tokens = Math.min(this.#capacity, this.#tokens + ((now - this.#refilledAt) * this.#rate) / 1000);
    this.#refilledAt = now;
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      return true;
    }
    if (this.#suppressed++ === 0) this.#scheduleSummary(now);
    return false;
  }

  /** Reports what is still counted (the upstream is closing). */
  flush(): void {
    clearTimeout(this.#summaryTimer);
    this.#summaryTimer = undefined;
    if (this.#suppressed === 0) return;
    const suppressed = this.#suppressed;
    this.#suppressed = 0;
    this.#summarise(suppressed, this.#now() - this.#periodStart);
  }

  #scheduleSummary(now: number): void {
    this.#periodStart = now;
    this.#summaryTimer = setTimeout(() => this.flush(), SUMMARY_MS);
    this.#summaryTimer.unref();
  }
}
