// requestState is attacker-controlled (mrtr.mdx): tampered, replayed after the call completed, sent with another
// request, signed with another bridge's key, or brought to another replica, it is refused with a clear error; and a
// refused retry leaves the waiting call intact. (Expiry: modern-http.test.ts.) Replicas here are bridges in one
// process told apart by --replica-id, two of them sharing a --state-key-file as a Deployment's replicas would.

import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { Bridge } from '../src/bridge.ts';
import { makeTempDir } from '../../test/helpers/sdk-clients.ts';
import { modernCall } from '../../test/helpers/modern-http.ts';
import { startScripted } from './http-support.ts';

const SAMPLING = { sampling: {} };
const ANSWER = { role: 'assistant', model: 'm', content: { type: 'text', text: 'fine' } };
const sample = { name: 'sample', arguments: { prompt: 'state?' } };

/** Starts a sampling call on `url` and returns its requestState. */
async function waitingCall(url: string): Promise<string> {
  const first = await modernCall(url, 'tools/call', sample, { capabilities: SAMPLING });
  const state = first.result?.['requestState'];
  if (typeof state !== 'string') throw new Error(`no input_required: ${JSON.stringify(first)}`);
  return state;
}

const retry = (url: string, requestState: string, params: Record<string, unknown> = sample) =>
  modernCall(
    url,
    'tools/call',
    { ...params, inputResponses: { 'sampling-1': ANSWER }, requestState },
    { capabilities: SAMPLING },
  );

describe('requestState security', () => {
  let dir: Awaited<ReturnType<typeof makeTempDir>>;
  let replicaA: Bridge;
  let replicaB: Bridge;
  let otherKey: Bridge;

  beforeAll(async () => {
    dir = await makeTempDir('state-key');
    const keyFile = join(dir.path, 'state.key');
    await writeFile(keyFile, randomBytes(32), { mode: 0o600 });
    [replicaA, replicaB, otherKey] = await Promise.all([
      startScripted({ stateKeyFile: keyFile, replicaId: 'replica-a' }),
      startScripted({ stateKeyFile: keyFile, replicaId: 'replica-b' }),
      startScripted({ replicaId: 'replica-a' }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([replicaA?.close(), replicaB?.close(), otherKey?.close()]);
    await dir?.remove();
  });

  it('a tampered state is refused, and the call still waits for the genuine one', async () => {
    const state = await waitingCall(replicaA.url);
    const [version, payload, mac] = state.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    const forged = `${version}.${Buffer.from(JSON.stringify({ ...claims, round: 7 })).toString('base64url')}.${mac}`;
    for (const bad of [forged, `${state}-TAMPERED`, 'v1.e30.AAAA']) {
      expect(await retry(replicaA.url, bad)).toMatchObject({
        status: 400,
        error: { code: -32602, data: { reason: 'invalid_request_state' } },
      });
    }
    expect((await retry(replicaA.url, state)).result).toMatchObject({ resultType: 'complete' });
  });

  it('a state replayed after the call completed is refused: the call no longer waits', async () => {
    const state = await waitingCall(replicaA.url);
    expect((await retry(replicaA.url, state)).result).toMatchObject({ content: [{ text: 'client said: fine' }] });
    expect(await retry(replicaA.url, state)).toMatchObject({
      status: 400,
      error: { code: -32602, data: { reason: 'call_not_waiting' } },
    });
  });

  it('a state sent with another request (other arguments) is refused', async () => {
    const state = await waitingCall(replicaA.url);
    const other = { name: 'sample', arguments: { prompt: 'something else' } };
    expect(await retry(replicaA.url, state, other)).toMatchObject({
      status: 400,
      error: { code: -32602, data: { reason: 'replayed_request_state' } },
    });
    expect((await retry(replicaA.url, state)).result).toMatchObject({ resultType: 'complete' });
  });

  it("a state signed with another bridge's key is refused", async () => {
    const state = await waitingCall(replicaA.url);
    const refused = await retry(otherKey.url, state);
    expect(refused).toMatchObject({ status: 400, error: { code: -32602, data: { reason: 'invalid_request_state' } } });
    expect(refused.error?.message).toMatch(/--state-key-file/);
    await retry(replicaA.url, state);
  });

  it('a round that reached another replica (same key) is told which replica holds the call', async () => {
    const state = await waitingCall(replicaA.url);
    const refused = await retry(replicaB.url, state);
    expect(refused).toMatchObject({
      status: 400,
      error: { code: -32602, data: { reason: 'wrong_replica', replica: 'replica-a' } },
    });
    expect(refused.error?.message).toMatch(/replica-a.*replica-b/);
    expect((await retry(replicaA.url, state)).result).toMatchObject({ resultType: 'complete' });
    const metrics = await (await fetch(`${replicaB.adminUrl}/metrics`)).text();
    expect(metrics).toContain('mcp_sidecar_input_states_refused_total{reason="request_state_wrong_replica"} 1');
  });

  it('a key file shorter than 32 bytes stops the start with a message that says how to make one', async () => {
    const short = join(dir.path, 'short.key');
    await writeFile(short, 'secret');
    await expect(startScripted({ stateKeyFile: short })).rejects.toThrow(/at least 32.*head -c 32 \/dev\/urandom/);
  });
});
