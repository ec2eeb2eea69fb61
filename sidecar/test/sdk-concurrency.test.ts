// Several SDK v1 clients on one bridge at once. In shared mode they all reach one server-everything process with
// colliding request ids and progress tokens (every client counts from 0); the bridge must give each client its own
// answers and progress. In per-session mode each has its own process, so even sampling runs concurrently.
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';

import { waitFor } from '../../test/helpers/bridge-process.ts';
import {
  bridgeStatus,
  Closer,
  connectV1,
  EVERYTHING,
  type LoggedBridge,
  samplingAnswerOf,
  startLoggedInProcess,
  textOf,
  type V1StreamableSession,
} from '../../test/helpers/sdk-clients.ts';

const CLIENTS = 6;
const CALLS_PER_CLIENT = 8;

function useBridge(mode: 'shared' | 'per-session') {
  const state = { bridge: undefined as LoggedBridge | undefined };
  const closer = new Closer();
  beforeAll(async () => {
    state.bridge = await startLoggedInProcess({ sessionMode: mode, poolMin: 3 }, EVERYTHING);
  });
  afterEach(() => closer.closeAll());
  afterAll(() => state.bridge?.close());
  const connectMany = (count: number, prefix: string): Promise<V1StreamableSession[]> =>
    Promise.all(
      Array.from({ length: count }, async (_, index) =>
        closer.add(await connectV1(state.bridge!.url, `${prefix}-${index}`), async (session) => {
          await session.transport.terminateSession();
          await session.client.close();
        }),
      ),
    );
  return { state, connectMany };
}

describe('concurrent SDK clients on one shared bridge', () => {
  const { state, connectMany } = useBridge('shared');

  test(`${CLIENTS} clients × ${CALLS_PER_CLIENT} parallel calls each get exactly their own answers`, async () => {
    const sessions = await connectMany(CLIENTS, 'parallel');
    expect(new Set(sessions.map((session) => session.transport.sessionId)).size).toBe(CLIENTS);
    const calls = sessions.flatMap((session, client) =>
      Array.from({ length: CALLS_PER_CLIENT }, async (_, call) => {
        const [echo, sum] = await Promise.all([
          session.client.callTool({ name: 'echo', arguments: { message: `client ${client} call ${call}` } }),
          session.client.callTool({ name: 'get-sum', arguments: { a: client * 1000, b: call } }),
        ]);
        return { client, call, echo: textOf(echo), sum: textOf(sum) };
      }),
    );
    const results = await Promise.all(calls);
    for (const { client, call, echo, sum } of results) {
      expect(echo).toBe(`Echo: client ${client} call ${call}`);
      expect(sum).toBe(`The sum of ${client * 1000} and ${call} is ${client * 1000 + call}.`);
    }
    const status = await bridgeStatus(state.bridge!.adminUrl);
    expect(status.shared?.state).toBe('ready');
    expect(status.sessions.open).toBeGreaterThanOrEqual(CLIENTS);
  });

  test('concurrent long-running calls each get their own progress, with their own total', async () => {
    const steps = [2, 3, 4, 5];
    const sessions = await connectMany(steps.length, 'progress');
    const runs = sessions.map(async (session, index) => {
      const own = steps[index]!;
      const progress: { progress: number; total?: number }[] = [];
      const result = await session.client.callTool(
        { name: 'trigger-long-running-operation', arguments: { duration: own * 0.2, steps: own } },
        undefined,
        { onprogress: (update) => progress.push(update) },
      );
      return { own, progress, text: textOf(result) };
    });
    // Short calls from the same clients interleave with the streams.
    const echoes = sessions.map((session, index) =>
      session.client.callTool({ name: 'echo', arguments: { message: `between ${index}` } }),
    );
    for (const [index, echo] of (await Promise.all(echoes)).entries())
      expect(textOf(echo)).toBe(`Echo: between ${index}`);
    for (const { own, progress, text } of await Promise.all(runs)) {
      expect(text).toContain(`Steps: ${own}.`);
      expect(progress).toEqual(Array.from({ length: own }, (_, i) => ({ progress: i + 1, total: own })));
    }
  });

  // Documented limitation (router.ts): over stdio a server→client request carries no link to the request that caused
  // it; with requests of two sessions in flight the bridge cannot tell whose it is and answers the server with an
  // error. The client must get that explained in the tool result rather than hang or get another client's prompt.
  test('sampling while another session has a request in flight is refused with a clear error, not misrouted', async () => {
    const [busy, asker] = await connectMany(2, 'ambiguous');
    const long = busy!.client.callTool({
      name: 'trigger-long-running-operation',
      arguments: { duration: 1, steps: 2 },
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    const result = await asker!.client.callTool({ name: 'trigger-sampling-request', arguments: { prompt: 'whose?' } });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/mcp-sidecar cannot tell which client/);
    expect(asker!.samplingRequests).toEqual([]);
    expect(busy!.samplingRequests).toEqual([]);
    expect(textOf(await long)).toContain('Steps: 2.');
  });
});

describe('shared-mode fan-out of logs and resource updates to the sessions that asked', () => {
  const { connectMany } = useBridge('shared');
  const SEVERE = ['error', 'critical', 'alert', 'emergency'];

  // server-everything logs once at once (on the toggling call's own stream), then every 5 s outside any request:
  // those go to the GET streams of the sessions whose level admits them, and to no one else.
  test('logs outside any request reach exactly the sessions whose logging level admits them', async () => {
    const [verbose, silent, severe] = await connectMany(3, 'logs');
    await verbose!.client.setLoggingLevel('debug');
    await severe!.client.setLoggingLevel('error');
    await verbose!.client.callTool({ name: 'toggle-simulated-logging', arguments: {} });
    try {
      await waitFor(
        () => (verbose!.logs.length >= 2 ? true : undefined),
        8_000,
        () => `logs: ${JSON.stringify(verbose!.logs)}`,
      );
    } finally {
      await verbose!.client.callTool({ name: 'toggle-simulated-logging', arguments: {} });
    }
    expect(silent!.logs).toEqual([]);
    for (const log of severe!.logs) expect(SEVERE).toContain(log.level);
    const severeSentLater = verbose!.logs.slice(1).filter((log) => SEVERE.includes(log.level));
    expect(severe!.logs).toEqual(severeSentLater);
  });

  test('resource subscriptions are per session: an unsubscribed session stops getting updates, others keep them', async () => {
    const uri = 'demo://resource/dynamic/text/42';
    const [first, second] = await connectMany(2, 'subscribers');
    const sendUpdatesOnce = async () => {
      // Toggling on sends one update at once to the server's subscribers; toggling off stops the 5 s timer.
      await first!.client.callTool({ name: 'toggle-subscriber-updates', arguments: {} });
      await first!.client.callTool({ name: 'toggle-subscriber-updates', arguments: {} });
    };
    await first!.client.subscribeResource({ uri });
    await second!.client.subscribeResource({ uri });
    await sendUpdatesOnce();
    await waitFor(
      () => (first!.updates.length && second!.updates.length ? true : undefined),
      5_000,
      () => 'no update',
    );
    expect(first!.updates).toEqual([{ uri }]);
    expect(second!.updates).toEqual([{ uri }]);

    await first!.client.unsubscribeResource({ uri });
    await sendUpdatesOnce();
    await waitFor(
      () => (second!.updates.length === 2 ? true : undefined),
      5_000,
      () => 'no second update',
    );
    expect(second!.updates).toEqual([{ uri }, { uri }]);
    expect(first!.updates).toEqual([{ uri }]);
    await second!.client.unsubscribeResource({ uri });
  });
});

describe('concurrent SDK clients on one per-session bridge', () => {
  const { state, connectMany } = useBridge('per-session');

  test('concurrent sampling requests each reach their own client and return its answer', async () => {
    const sessions = await connectMany(3, 'sampling');
    const results = await Promise.all(
      sessions.map((session, index) =>
        session.client.callTool({
          name: 'trigger-sampling-request',
          arguments: { prompt: `prompt of client ${index}` },
        }),
      ),
    );
    for (const [index, result] of results.entries()) {
      expect(textOf(result)).toContain(samplingAnswerOf(`sampling-${index}`));
      expect(sessions[index]!.samplingRequests).toEqual([
        expect.objectContaining({
          messages: [
            expect.objectContaining({
              content: { type: 'text', text: `Resource trigger-sampling-request context: prompt of client ${index}` },
            }),
          ],
        }),
      ]);
    }
    const pids = (await bridgeStatus(state.bridge!.adminUrl)).sessions.list.map((session) => session.upstream?.pid);
    expect(new Set(pids).size).toBe(sessions.length);
  });
});
