// Probes that tell the platform the truth: /readyz is 503 (with a reason) until the upstream is initialized
// and warmed up, /livez reports a crash loop, and per-session mode answers new sessions from a warm pool.

import { afterEach, describe, expect, it } from 'vitest';

import { type BridgeProcess, fixtureCommand, spawnBridge, waitFor } from '../../test/helpers/bridge-process.ts';
import { initializeRequest, MCP_HEADERS, openRawSession, readAnswer } from '../../test/helpers/mcp-http.ts';

const running: BridgeProcess[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((bridge) => bridge.kill()));
});
async function start(args: string[], env: Record<string, string> = {}, waitReady = false): Promise<BridgeProcess> {
  const bridge = await spawnBridge([...args, '--', ...fixtureCommand('crashing-server.ts')], { env, waitReady });
  running.push(bridge);
  return bridge;
}
const probe = async (bridge: BridgeProcess, path: string) => {
  const response = await fetch(`${bridge.adminUrl}${path}`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

interface Status {
  pool: { ready: number; upstreams: { pid: number }[] };
  sessions: { list: { upstream: { pid: number; protocolVersion: string } }[] };
}
const status = async (bridge: BridgeProcess) => (await probe(bridge, '/status')).body as unknown as Status;

describe('/readyz', () => {
  it.each(['shared', 'per-session'])('%s: is 503 with a reason until the server is warm, then 200', async (mode) => {
    const bridge = await start(['--session-mode', mode], { START_DELAY_MS: '1500' });
    const early = await probe(bridge, '/readyz');
    expect(early.status).toBe(503);
    expect(early.body).toMatchObject({ ready: false, reason: expect.any(String) as string });
    const ready = await waitFor(
      async () => ((await probe(bridge, '/readyz')).status === 200 ? true : undefined),
      10_000,
      () => 'never ready',
    );
    expect(ready).toBe(true);
    expect((await probe(bridge, '/livez')).status).toBe(200);
  });

  it('waits for the --warmup calls, and stays 503 naming the call that fails', async () => {
    const good = JSON.stringify([{ method: 'tools/call', params: { name: 'echo', arguments: { message: 'warm' } } }]);
    const ok = await start(['--warmup', good]);
    await waitFor(
      async () => ((await probe(ok, '/readyz')).status === 200 ? true : undefined),
      10_000,
      () => 'never ready',
    );
    const bad = JSON.stringify([{ method: 'tools/call', params: { name: 'fail' } }]);
    const failing = await start(['--warmup', bad]);
    const reason = await waitFor(
      async () => {
        const { body } = await probe(failing, '/readyz');
        return typeof body.reason === 'string' && body.reason.includes('warm-up call') ? body.reason : undefined;
      },
      10_000,
      () => 'no warm-up failure reported',
    );
    expect(reason).toContain('warm-up call tools/call returned a tool error');
    expect((await probe(failing, '/readyz')).status).toBe(503);
  });
});

describe('/livez', () => {
  it('stays 200 after one crash of a server that then restarts fine', async () => {
    const bridge = await start([]);
    await waitFor(
      async () => ((await probe(bridge, '/readyz')).status === 200 ? true : undefined),
      10_000,
      () => 'never ready',
    );
    const session = await openRawSession(bridge.url);
    expect((await session.call('tools/call', { name: 'crash' })).error).toBeDefined();
    await waitFor(
      async () => ((await probe(bridge, '/readyz')).status === 200 ? true : undefined),
      10_000,
      () => 'never back',
    );
    expect((await probe(bridge, '/livez')).status).toBe(200);
  });

  it('turns 503 when the server keeps failing to start, naming why', { timeout: 20_000 }, async () => {
    const bridge = await start([], { EXIT_AT_START: '3' });
    const live = await waitFor(
      async () => {
        const result = await probe(bridge, '/livez');
        return result.status === 503 ? result.body : undefined;
      },
      15_000,
      () => 'livez never reported the crash loop',
    );
    expect(live.reason).toContain('exited with code 3');
    expect((await probe(bridge, '/readyz')).status).toBe(503);
  });
});

describe('per-session warm pool', () => {
  it('gives a new session a pre-initialized upstream and refills the pool', async () => {
    const bridge = await start(['--session-mode', 'per-session', '--pool-min', '2']);
    await waitFor(
      async () => ((await status(bridge)).pool.ready === 2 ? true : undefined),
      10_000,
      () => 'pool never filled',
    );
    const pooled = (await status(bridge)).pool.upstreams.map((u) => u.pid);
    await openRawSession(bridge.url);
    const after = await status(bridge);
    expect(pooled).toContain(after.sessions.list[0]!.upstream.pid);
    await waitFor(
      async () => ((await status(bridge)).pool.ready === 2 ? true : undefined),
      10_000,
      () => 'pool never refilled',
    );
  });

  it('starts a cold upstream when the client asks for another protocol version, and forwards its initialize', async () => {
    const bridge = await start(['--session-mode', 'per-session', '--pool-min', '1']);
    await waitFor(
      async () => ((await status(bridge)).pool.ready === 1 ? true : undefined),
      10_000,
      () => 'pool never filled',
    );
    const pooled = (await status(bridge)).pool.upstreams.map((u) => u.pid);
    const response = await fetch(bridge.url, {
      method: 'POST',
      headers: MCP_HEADERS,
      body: JSON.stringify(initializeRequest(1, '2025-06-18')),
    });
    expect((await readAnswer(response)).result).toMatchObject({ protocolVersion: '2025-06-18' });
    const session = (await status(bridge)).sessions.list[0]!;
    expect(pooled).not.toContain(session.upstream.pid);
    expect(session.upstream.protocolVersion).toBe('2025-06-18');
  });
});
