// Deadlines: one timer for the head of a queue kept in due order. Real timers, short timeouts.

import { setTimeout as sleep } from 'node:timers/promises';

import { describe, expect, it } from 'vitest';

import { Deadlines } from '../../src/upstream/deadlines.ts';

describe('Deadlines', () => {
  it('expires requests in the order they fall due, and only those not settled', async () => {
    const expired: number[] = [];
    const deadlines = new Deadlines({ timeoutMs: 60, expire: (id) => expired.push(id) });
    deadlines.start(1);
    deadlines.start(2);
    deadlines.start(3);
    deadlines.settle(2);
    await sleep(120);
    expect(expired).toEqual([1, 3]);
    expect(deadlines.size).toBe(0);
  });

  it('extend restarts a request’s clock, so progress keeps it alive', async () => {
    const expired: number[] = [];
    const deadlines = new Deadlines({ timeoutMs: 80, expire: (id) => expired.push(id) });
    deadlines.start(1);
    deadlines.start(2);
    for (let i = 0; i < 4; i++) {
      await sleep(40);
      deadlines.extend(1);
    }
    expect(expired).toEqual([2]);
    await sleep(120);
    expect(expired).toEqual([2, 1]);
  });

  it('does nothing with a timeout of 0 (switched off), and clear() forgets everything', async () => {
    const expired: number[] = [];
    const off = new Deadlines({ timeoutMs: 0, expire: (id) => expired.push(id) });
    off.start(1);
    expect(off.size).toBe(0);
    const on = new Deadlines({ timeoutMs: 30, expire: (id) => expired.push(id) });
    on.start(2);
    on.clear();
    await sleep(60);
    expect(expired).toEqual([]);
  });
});
