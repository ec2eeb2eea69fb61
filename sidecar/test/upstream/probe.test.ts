// The probe slot: its answer comes back by id, a timeout gives undefined, and a connection that ends first fails it
// (an unreachable server has said nothing about its era; the upstream then retries its handshake).

import { describe, expect, it } from 'vitest';

import { PROBE_ID, ProbeSlot } from '../../src/upstream/probe.ts';

const discover = { jsonrpc: '2.0' as const, method: 'server/discover' };

describe('ProbeSlot', () => {
  it('resolves with the answer that carries its id, sent with that id', async () => {
    const slot = new ProbeSlot();
    const sent: unknown[] = [];
    const asked = slot.ask((request) => sent.push(request), discover, 1_000);
    const answer = { jsonrpc: '2.0' as const, id: PROBE_ID, result: {} };
    expect(slot.take({ kind: 'response', message: { jsonrpc: '2.0', id: 7, result: {} } })).toBe(false);
    expect(slot.take({ kind: 'response', message: answer })).toBe(true);
    expect(await asked).toEqual(answer);
    expect(sent).toEqual([{ ...discover, id: PROBE_ID }]);
  });

  it('resolves undefined when nothing answers in time', async () => {
    expect(await new ProbeSlot().ask(() => undefined, discover, 10)).toBeUndefined();
  });

  it('rejects when the connection ends before answering', async () => {
    const slot = new ProbeSlot();
    const asked = slot.ask(() => undefined, discover, 1_000);
    slot.ended();
    await expect(asked).rejects.toThrow('the connection ended before it answered server/discover');
  });
});
