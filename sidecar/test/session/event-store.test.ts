// The event store's two bounds: events and bytes. The newest event is always kept.

import { describe, expect, it } from 'vitest';

import { EventStore } from '../../src/session/event-store.ts';

describe('EventStore', () => {
  it('pushes the oldest events out past --event-store-size, counting undelivered messages as lost', () => {
    const store = new EventStore(3);
    store.append(0, null, false);
    store.append(0, 'a', true);
    store.append(0, 'b', false);
    expect(store.append(0, 'c', false).lost).toBe(0); // the priming event went, it carries no message
    expect(store.append(0, 'd', false).lost).toBe(0); // 'a' had been delivered
    expect(store.append(0, 'e', false).lost).toBe(1);
    expect(store.replay(0, undefined).map((event) => event.data)).toEqual(['c', 'd', 'e']);
  });

  it('keeps at most --event-store-bytes, but always the newest event whatever its size', () => {
    const store = new EventStore(100, 10);
    for (const data of ['aaaa', 'bbbb', 'cccc']) store.append(0, data, false);
    expect(store.replay(0, undefined).map((event) => event.data)).toEqual(['bbbb', 'cccc']);
    expect(store.bytes).toBe(8);
    const big = 'x'.repeat(50);
    expect(store.append(1, big, false).lost).toBe(2);
    expect(store.size).toBe(1);
    expect(store.replay(1, undefined)[0]?.data).toBe(big);
  });

  it('replays one stream after a sequence number, across many appends (the array is compacted)', () => {
    const store = new EventStore(10);
    for (let i = 0; i < 5_000; i++) store.append(i % 2, String(i), true);
    const replayed = store.replay(1, 4_994).map((event) => event.data);
    expect(replayed).toEqual(['4995', '4997', '4999']);
  });
});
