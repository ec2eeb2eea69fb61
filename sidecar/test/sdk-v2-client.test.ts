// The SDK v2 client (@modelcontextprotocol/client) against mcp-sidecar in front of server-everything: the default
// 2025-11-25 initialize handshake, and `versionNegotiation: 'auto'`, whose server/discover probe (2026-07-28) the
// bridge answers, after which the client speaks 2026-07-28 without a session.

import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { Client as V2Client } from '@modelcontextprotocol/client';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';

import {
  bridgeStatus,
  Closer,
  connectV2,
  EVERYTHING,
  type LoggedBridge,
  samplingAnswerOf,
  startLoggedInProcess,
  textOf,
  type V2Session,
} from '../../test/helpers/sdk-clients.ts';

describe.each(['shared', 'per-session'] as const)('SDK v2 client → mcp-sidecar (%s) → server-everything', (mode) => {
  let bridge: LoggedBridge;
  const closer = new Closer();
  const connect = async (options: Parameters<typeof connectV2>[1] = {}): Promise<V2Session> =>
    closer.add(await connectV2(bridge.url, { name: `v2-${mode}`, ...options }), async (session) => {
      await session.transport.terminateSession();
      await session.client.close();
    });

  beforeAll(async () => {
    bridge = await startLoggedInProcess({ sessionMode: mode, poolMin: 2 }, EVERYTHING);
  });
  afterEach(() => closer.closeAll());
  afterAll(() => bridge?.close());

  test('default (legacy) negotiation: initialize on 2025-11-25, no discover probe', async () => {
    const { client, transport, wire } = await connect();
    expect(client.getProtocolEra()).toBe('legacy');
    expect(client.getNegotiatedProtocolVersion()).toBe('2025-11-25');
    expect(client.getServerVersion()).toMatchObject({ name: 'mcp-servers/everything' });
    expect(transport.sessionId).toBeTruthy();
    expect(wire[0]).toMatchObject({ httpMethod: 'POST', rpcMethod: 'initialize', status: 200 });
    expect(wire.some((record) => record.rpcMethod === 'server/discover')).toBe(false);
  });

  test('lists tools and calls echo and get-sum', async () => {
    const { client } = await connect();
    const tools = (await client.listTools()).tools.map((tool) => tool.name);
    expect(tools).toEqual(expect.arrayContaining(['echo', 'get-sum', 'trigger-sampling-request']));
    expect(textOf(await client.callTool({ name: 'echo', arguments: { message: 'from v2' } }))).toBe('Echo: from v2');
    expect(textOf(await client.callTool({ name: 'get-sum', arguments: { a: 1.5, b: 2.25 } }))).toBe(
      'The sum of 1.5 and 2.25 is 3.75.',
    );
  });

  test('progress notifications reach onprogress, in order', async () => {
    const { client } = await connect();
    const progress: { progress: number; total?: number }[] = [];
    const result = await client.callTool(
      { name: 'trigger-long-running-operation', arguments: { duration: 0.6, steps: 3 } },
      { onprogress: (update) => progress.push(update) },
    );
    expect(textOf(result)).toBe('Long running operation completed. Duration: 0.6 seconds, Steps: 3.');
    expect(progress).toEqual([
      { progress: 1, total: 3 },
      { progress: 2, total: 3 },
      { progress: 3, total: 3 },
    ]);
  });

  test("sampling: the v2 client's sampling/createMessage handler answers the server", async () => {
    const session = await connect({ name: `v2-sampling-${mode}` });
    const result = await session.client.callTool({ name: 'trigger-sampling-request', arguments: { prompt: 'v2?' } });
    expect(textOf(result)).toContain(samplingAnswerOf(`v2-sampling-${mode}`));
    expect(textOf(result)).toContain('test-model-v2');
    expect(session.samplingRequests).toHaveLength(1);
  });

  // Until the bridge served 2026-07-28, the auto probe got a plain 400 and the client fell back to initialize after a
  // wasted round trip. Now the probe is answered and the client stays modern (sdk-v2-modern.test.ts goes further).
  test("versionNegotiation 'auto': the discover probe is answered, the client speaks 2026-07-28, no session opens", async () => {
    const sessionsBefore = (await bridgeStatus(bridge.adminUrl)).sessions.open;
    const session = await connect({ mode: 'auto', name: `v2-auto-${mode}` });
    const { client, wire } = session;
    expect(wire[0]).toMatchObject({ httpMethod: 'POST', rpcMethod: 'server/discover', status: 200 });
    expect(wire[0]?.protocolVersionHeader).toMatch(/^2026-/);
    expect(client.getProtocolEra()).toBe('modern');
    expect(client.getDiscoverResult()?.supportedVersions).toContain('2026-07-28');
    expect((await bridgeStatus(bridge.adminUrl)).sessions.open).toBe(sessionsBefore);
    expect(textOf(await client.callTool({ name: 'echo', arguments: { message: 'auto' } }))).toBe('Echo: auto');
    const sampled = await client.callTool({ name: 'trigger-sampling-request', arguments: { prompt: 'auto?' } });
    expect(textOf(sampled)).toContain(samplingAnswerOf(`v2-auto-${mode}`));
    expect(wire.some((record) => record.rpcMethod === 'initialize')).toBe(false);
  });

  // Spec 2025-11-25, Lifecycle: "If the server supports the requested protocol version, it MUST respond with the
  // same version." The bridge lists 2025-06-18 as supported, and server-everything over stdio negotiates it.
  test('a client that only speaks 2025-06-18 gets 2025-06-18 back and works', async () => {
    const { client } = await connect({ supportedProtocolVersions: ['2025-06-18', '2025-03-26'] });
    expect(client.getNegotiatedProtocolVersion()).toBe('2025-06-18');
    expect(textOf(await client.callTool({ name: 'echo', arguments: { message: 'older' } }))).toBe('Echo: older');
  });
});

test('control: server-everything over stdio (no bridge) negotiates 2025-06-18 with the same v2 client', async () => {
  const [command = '', ...args] = EVERYTHING;
  const client = new V2Client(
    { name: 'v2-stdio-control', version: '2.0.0' },
    { supportedProtocolVersions: ['2025-06-18'] },
  );
  await client.connect(new StdioClientTransport({ command, args, stderr: 'ignore' }));
  try {
    expect(client.getNegotiatedProtocolVersion()).toBe('2025-06-18');
  } finally {
    await client.close();
  }
});
