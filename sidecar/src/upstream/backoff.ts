// Retry timing and error wording shared by the upstream's restarts and the warm pool's warm-ups.

/** Started servers that died with no stable run in between: that many make a crash loop (reported by /livez). */
export const CRASH_LOOP_CRASHES = 5;

/** Exponential backoff with jitter: retry `attempt` (1, 2, …) waits 50–100 % of min(max, base · 2^(attempt − 1)). */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
}

export const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));
