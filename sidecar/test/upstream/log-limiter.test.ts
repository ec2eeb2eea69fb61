// LineLimiter: a token bucket per log source, with counted summaries. The clock is injected.

import { describe, expect, it } from 'vitest';

import { LineLimiter } from '../../src/upstream/log-limiter.ts';

describe('LineLimiter', () => {
  it('lets a burst of twice the rate through, then the rate, and counts the rest for the summary', () => {
    let now = 0;
    const summaries: number[] = [];
    const limiter = new LineLimiter({ rate: 10, summarise: (count) => summaries.push(count), now: () => now });
    const admitted = (lines: number) => Array.from({ length: lines }, () => limiter.admit()).filter(Boolean).length;
    expect(admitted(100)).toBe(20);
    now += 1_000;
    expect(admitted(100)).toBe(10);
    now += 500;
    expect(admitted(100)).toBe(5);
    limiter.flush();
    expect(summaries).toEqual([265]);
    limiter.flush();
    expect(summaries).toEqual([265]);
  });

  it('a source that stays under the rate is never summarised', () => {
    let now = 0;
    const summaries: number[] = [];
    const limiter = new LineLimiter({ rate: 5, summarise: (count) => summaries.push(count), now: () => now });
    for (let i = 0; i < 50; i++) {
      expect(limiter.admit()).toBe(true);
      now += 250;
    }
    limiter.flush();
    expect(summaries).toEqual([]);
  });
});
