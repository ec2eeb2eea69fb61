// The official TypeScript v2 client (@modelcontextprotocol/client) speaking 2026-07-28 to mcp-sidecar in front of
// server-everything (a real 2025-era server, detected as such), in both session modes: pinned to 2026-07-28 and in
// `auto` mode (one server/discover, no fallback). Tools, resources, prompts; its sampling and elicitation handlers
// answer the server's questions through MRTR; listen delivers resource updates; and v1 SDK clients on the same
// bridge at the same time still get 2025-11-25.

import {
  Client as V2Client,
  StreamableHTTPClientTransport as V2StreamableHTTPClientTransport,
} from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import type { Bridge } from '../src/bridge.ts';
import { startInProcess } from '../../test/helpers/bridge-process.ts';
import {
  bridgeStatus,
  Closer,
  connectV1,
  EVERYTHING,
  recordingFetch,
  samplingAnswerOf,
  textOf,
  type WireRecord,
} from '../../test/helpers/sdk-clients.ts';

const MODERN = '2026-07-28';
const ELICITED = { name: 'Ada (v2, via MRTR)', check: true };

interface ModernClient {
  readonly client: V2Client;
  readonly wire: WireRecord[];
  readonly asked: string[];
  readonly updates: string[];
}

async function connectModern(url: string, name: string, mode: 'pin' | 'auto'): Promise<ModernClient> {
  const client = new V2Client(
    { name, version: '2.0.0' },
    {
      capabilities: { sampling: {}, elicitation: { form: {} } },
      versionNegotiation: { mode: mode === 'pin' ? { pin: MODERN } : 'auto' },
    },
  );
  const session: ModernClient = { client, wire: [], asked: [], updates: [] };
  client.setRequestHandler('sampling/createMessage', () => {
    session.asked.push('sampling');
    return { model: 'test-model-v2', role: 'assistant', content: { type: 'text', text: samplingAnswerOf(name) } };
  });
  client.setRequestHandler('elicitation/create', () => {
    session.asked.push('elicitation');
    return { action: 'accept', content: ELICITED };
  });
  client.setNotificationHandler('notifications/resources/updated', (notification) => {
    session.updates.push(notification.params.uri);
  });
  const { fetch: recorder, records } = recordingFetch();
  await client.connect(new V2StreamableHTTPClientTransport(new URL(url), { fetch: recorder }));
  return { ...session, wire: records };
}

describe.each(['shared', 'per-session'] as const)(
  'SDK v2 client on 2026-07-28 → mcp-sidecar (%s) → server-everything',
  (mode) => {
    let bridge: Bridge;
    const closer = new Closer();
    const modern = async (name: string, negotiation: 'pin' | 'auto' = 'pin') =>
      closer.add(await connectModern(bridge.url, `${name}-${mode}`, negotiation), (session) => session.client.close());

    beforeAll(async () => {
      bridge = await startInProcess({ sessionMode: mode, poolMin: 2 }, EVERYTHING);
    });
    afterAll(async () => {
      await closer.closeAll();
      await bridge?.close();
    });

    test('server-everything is detected as a 2025-era server: 2026-07-28 requests are translated', async () => {
      const status = (await bridgeStatus(bridge.adminUrl)) as unknown as { modern: { upstreamProtocol: string } };
      expect(status.modern.upstreamProtocol).toBe('legacy');
    });

    test('pinned: modern era; tools, resources and prompts work without a session', async () => {
      const { client, wire } = await modern('v2-pinned');
      expect(client.getProtocolEra()).toBe('modern');
      expect(client.getServerVersion()).toMatchObject({ name: 'mcp-servers/everything' });
      const tools = (await client.listTools()).tools.map((tool) => tool.name);
      expect(tools).toEqual(
        expect.arrayContaining(['echo', 'get-sum', 'trigger-sampling-request', 'trigger-elicitation-request']),
      );
      expect(textOf(await client.callTool({ name: 'echo', arguments: { message: 'modern' } }))).toBe('Echo: modern');
      const [resource] = (await client.listResources()).resources;
      const read = await client.readResource({ uri: resource!.uri });
      expect(read.contents[0]).toMatchObject({ uri: resource!.uri });
      expect((await client.getPrompt({ name: 'simple-prompt' })).messages.length).toBeGreaterThan(0);
      expect(wire.every((record) => record.httpMethod === 'POST' && record.protocolVersionHeader === MODERN)).toBe(
        true,
      );
      expect(wire.some((record) => record.rpcMethod === 'initialize')).toBe(false);
    });

    test("sampling and elicitation: the server's questions reach the client's handlers through input_required", async () => {
      const session = await modern('v2-mrtr');
      const sampled = await session.client.callTool({
        name: 'trigger-sampling-request',
        arguments: { prompt: 'v2 modern?' },
      });
      expect(textOf(sampled)).toContain(samplingAnswerOf(`v2-mrtr-${mode}`));
      const elicited = await session.client.callTool({ name: 'trigger-elicitation-request', arguments: {} });
      expect(textOf(elicited)).toContain(ELICITED.name);
      expect(session.asked).toEqual(['sampling', 'elicitation']);
      // Each question took one more POST of the same call: the input_required round, then the retry.
      const calls = session.wire.filter((record) => record.rpcMethod === 'tools/call');
      expect(calls.map((record) => record.status)).toEqual([200, 200, 200, 200]);
    });

    test('auto: one server/discover, answered 200, and the client stays modern (no initialize)', async () => {
      const { client, wire } = await modern('v2-auto', 'auto');
      expect(client.getProtocolEra()).toBe('modern');
      expect(wire[0]).toMatchObject({ httpMethod: 'POST', rpcMethod: 'server/discover', status: 200 });
      expect(wire.filter((record) => record.rpcMethod === 'server/discover')).toHaveLength(1);
      expect(textOf(await client.callTool({ name: 'get-sum', arguments: { a: 1, b: 2 } }))).toBe(
        'The sum of 1 and 2 is 3.',
      );
      expect(wire.some((record) => record.rpcMethod === 'initialize')).toBe(false);
    });

    test('listen: the subscription is acknowledged and carries the updates of the resource it names', async () => {
      const session = await modern('v2-listen');
      const [resource] = (await session.client.listResources()).resources;
      const subscription = await session.client.listen({
        toolsListChanged: true,
        resourceSubscriptions: [resource!.uri],
      });
      expect(subscription.honoredFilter).toMatchObject({ resourceSubscriptions: [resource!.uri] });
      // server-everything sends an update for every subscribed resource when its updates are switched on, then every
      // 5 s (its subscribe handler may still be registering when the first one goes out: the next one then counts).
      await session.client.callTool({ name: 'toggle-subscriber-updates', arguments: {} });
      await expect.poll(() => session.updates, { timeout: 8_000 }).toContain(resource!.uri);
      await session.client.callTool({ name: 'toggle-subscriber-updates', arguments: {} });
      await subscription.close();
    });

    test('v1 clients on the same bridge at the same time still get 2025-11-25 sessions', async () => {
      const [v1, v2] = await Promise.all([connectV1(bridge.url, `v1-${mode}`), modern('v2-beside-v1')]);
      closer.add(v1, (session) => session.client.close());
      expect(v1.transport.protocolVersion).toBe('2025-11-25');
      expect(v1.transport.sessionId).toBeTruthy();
      const [old, fresh] = await Promise.all([
        v1.client.callTool({ name: 'echo', arguments: { message: 'old era' } }),
        v2.client.callTool({ name: 'echo', arguments: { message: 'new era' } }),
      ]);
      expect([textOf(old), textOf(fresh)]).toEqual(['Echo: old era', 'Echo: new era']);
      // One server question at a time: a shared server's question is tied to the only call in flight.
      const sampledOld = await v1.client.callTool({ name: 'trigger-sampling-request', arguments: { prompt: 'v1?' } });
      expect(textOf(sampledOld)).toContain(samplingAnswerOf(`v1-${mode}`));
      const sampledNew = await v2.client.callTool({ name: 'trigger-sampling-request', arguments: { prompt: 'v2?' } });
      expect(textOf(sampledNew)).toContain(samplingAnswerOf(`v2-beside-v1-${mode}`));
    });
  },
);
