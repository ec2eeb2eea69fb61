// The supervisor's bookkeeping without processes: backoff growth, crash counting and the lifecycle decisions an
// upstream acts on when its transport ends. (The real restarts are tested end to end in children.test.ts.)

import { describe, expect, it } from 'vitest';

import { createLogger } from '../../src/log.ts';
import { Metrics } from '../../src/metrics.ts';
import { Backoff, backoffDelay, CRASH_LOOP_CRASHES, CrashCounter, Supervisor } from '../../src/upstream/supervisor.ts';

const crash = { description: 'process exited with code 1', started: true, process: { exitCode: 1, signal: null } };
const supervisor = (restart: boolean) =>
  new Supervisor({ restart, log: createLogger('silent'), metrics: new Metrics() });

describe('backoff', () => {
  it('doubles up to the ceiling, with 50–100 % jitter', () => {
    for (let attempt = 1; attempt <= 12; attempt++) {
      const ceiling = Math.min(10_000, 100 * 2 ** (attempt - 1));
      const delay = backoffDelay(attempt, 100, 10_000);
      expect(delay).toBeGreaterThanOrEqual(ceiling / 2);
      expect(delay).toBeLessThanOrEqual(ceiling);
    }
  });

  it('counts failures until reset, and honours a lower ceiling when asked', () => {
    const backoff = new Backoff(100, 10_000);
    for (let i = 0; i < 10; i++) backoff.failed();
    expect(backoff.failures).toBe(10);
    expect(backoff.delay(1_000)).toBeLessThanOrEqual(1_000);
    backoff.reset();
    expect(backoff.failures).toBe(0);
  });
});

describe('crash counting', () => {
  it(`reports a crash loop after ${CRASH_LOOP_CRASHES} crashes, naming the last cause`, () => {
    const counter = new CrashCounter();
    for (let i = 1; i < CRASH_LOOP_CRASHES; i++) counter.crashed(`crash ${i}`);
    expect(counter.loop('it keeps failing')).toBeUndefined();
    counter.crashed('the last one');
    expect(counter.loop('it keeps failing')).toBe('it keeps failing: the last one');
    counter.reset();
    expect(counter.loop('it keeps failing')).toBeUndefined();
  });
});

describe('lifecycle', () => {
  it('restarts a ready shared upstream whose server died, and counts the crash', () => {
    const life = supervisor(true);
    life.ready();
    expect(life.ended(crash, true)).toBe('restart');
    expect(life.state).toBe('restarting');
    expect(life.lastError).toBe('the MCP server process exited with code 1');
    expect(life.crashes).toBe(1);
  });

  it('fails a per-session upstream for good, and reports a failed handshake as such', () => {
    const perSession = supervisor(false);
    perSession.ready();
    expect(perSession.ended(crash, true)).toBe('failed');
    expect(perSession.state).toBe('failed');
    const starting = supervisor(true);
    expect(starting.ended(crash, true)).toBe('handshake_failed');
  });

  it('treats the end of a stopped upstream, or of a transport it already replaced, as no event', () => {
    const life = supervisor(true);
    life.ready();
    expect(life.ended(crash, false)).toBeUndefined();
    expect(life.lastEnd).toBe(crash);
    life.stop();
    expect(life.ended(crash, true)).toBe('stopped');
    expect(life.crashes).toBe(0);
  });

  it('does not count a server that never started (no socket yet) as a crash', () => {
    const life = supervisor(true);
    life.ready();
    life.ended({ description: 'no socket there yet', started: false }, true);
    expect(life.crashes).toBe(0);
  });

  it('wakes whoever waits for readiness, or gives up after the timeout', async () => {
    const life = supervisor(true);
    const waiting = life.whenReady(5_000);
    life.ready();
    await expect(waiting).resolves.toBe(true);
    const late = supervisor(true);
    await expect(late.whenReady(10)).resolves.toBe(false);
  });
});
