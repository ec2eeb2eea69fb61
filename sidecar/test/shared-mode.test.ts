// Shared mode under real concurrency: hundreds of sessions on one upstream process, all reusing the same
// request ids and progress tokens, must each get exactly their own messages; a server→client request reaches
// the client whose call is in flight; and a kill -9 of the upstream is survived as designed.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  type BridgeProcess,
  fixtureCommand,
  spawnBridge,
  waitFor,
  waitUntilReady,
} from '../../test/helpers/bridge-process.ts';
import { MCP_HEADERS, openRawSession, type RawSession, readAnswer } from '../../test/helpers/mcp-http.ts';
import { descendantsOf, isAlive } from '../../test/helpers/processes.ts';
import { messageOf, SseReader } from '../../test/helpers/sse-stream.ts';

const SESSIONS = 500;
const STEPS = 3;

let bridge: BridgeProcess;
beforeAll(async () => {
  bridge = await spawnBridge([
    '--session-mode',
    'shared',
    '--max-sessions',
    '2000',
    '--',
    ...fixtureCommand('routing-server.ts'),
  ]);
});
afterAll(async () => {
  await bridge?.stop();
});

async function openMany(count: number, capabilities: Record<string, unknown> = {}): Promise<RawSession[]> {
  const sessions: RawSession[] = [];
  for (let i = 0; i < count; i += 50) {
    const batch = Array.from({ length: Math.min(50, count - i) }, () => openRawSession(bridge.url, capabilities));
    sessions.push(...(await Promise.all(batch)));
  }
  return sessions;
}

const sharedPid = async (): Promise<number> => {
  const status = (await (await fetch(`${bridge.adminUrl}/status`)).json()) as { shared: { pid: number } };
  return status.shared.pid;
};

describe('crosstalk', () => {
  it(
    `${SESSIONS} sessions with the same request id and progress token each get only their own messages`,
    { timeout: 60_000 },
    async () => {
      const sessions = await openMany(SESSIONS);
      const results = await Promise.all(
        sessions.map(async (session, index) => {
          const tag = `session-${index}`;
          const call = {
            name: 'progress_echo',
            arguments: { tag, steps: STEPS },
            _meta: { progressToken: 'same-token' },
          };
          const answer = await readAnswer(
            await session.post({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: call }),
          );
          return { tag, answer };
        }),
      );
      let misdelivered = 0;
      let lost = 0;
      for (const { tag, answer } of results) {
        const text = (answer.result as { content?: { text?: string }[] } | undefined)?.content?.[0]?.text;
        if (answer.id !== 1 || text !== tag) misdelivered += 1;
        const progress = answer.before.filter((m) => m.method === 'notifications/progress');
        const mine = progress.filter((m) => {
          const params = m.params as { progressToken: unknown; message: string };
          return params.progressToken === 'same-token' && params.message.startsWith(`${tag}#`);
        });
        misdelivered += progress.length - mine.length;
        lost += STEPS - mine.length;
      }
      expect({ misdelivered, lost }).toEqual({ misdelivered: 0, lost: 0 });
      expect(descendantsOf(bridge.child.pid!).length).toBe(1); // one upstream process served them all
    },
  );
});

describe('server→client requests', () => {
  it('a sampling request during the only call in flight reaches that call’s client, and its answer returns', async () => {
    const [caller, bystander] = await openMany(2, { sampling: {} });
    const response = await caller!.post({
      jsonrpc: '2.0',
      id: 'call-1',
      method: 'tools/call',
      params: { name: 'sample', arguments: { tag: 'A' } },
    });
    let final: Record<string, unknown> | undefined;
    const reader = new SseReader(response);
    for (let event = await reader.next(); event; event = await reader.next()) {
      const message = messageOf(event);
      if (!message) continue; // the priming event
      if (message.method === 'sampling/createMessage') {
        const reply = {
          jsonrpc: '2.0',
          id: message.id,
          result: { role: 'assistant', model: 'm', content: { type: 'text', text: 'from-A' } },
        };
        expect((await bystander!.post(reply)).status).toBe(202); // another session's answer is not taken for it
        expect((await caller!.post(reply)).status).toBe(202);
      } else if ('result' in message || 'error' in message) {
        final = message;
      }
    }
    expect(final).toEqual({ jsonrpc: '2.0', id: 'call-1', result: { content: [{ type: 'text', text: 'A:from-A' }] } });
  });

  it('is refused upstream with a clear error when the caller did not declare sampling', async () => {
    const [caller] = await openMany(1);
    const answer = await caller!.call('tools/call', { name: 'sample', arguments: { tag: 'B' } });
    expect((answer.result as { content: { text: string }[] }).content[0]!.text).toBe('B:?');
  });
});

describe('kill -9 of the upstream with 100 calls in flight', () => {
  it(
    'fails every call within 1 s, restarts within 5 s, keeps sessions, leaves no orphans',
    { timeout: 30_000 },
    async () => {
      const sessions = await openMany(20);
      const calls = Array.from({ length: 100 }, (_, i) =>
        sessions[i % sessions.length]!.call('tools/call', { name: 'slow', arguments: { ms: 20_000 } }).then(
          (answer) => ({
            answer,
            at: performance.now(),
          }),
        ),
      );
      await waitFor(
        async () => ((await inflight()) === 100 ? true : undefined),
        5_000,
        () => 'calls did not reach the upstream',
      );
      const victim = await sharedPid();
      const killedAt = performance.now();
      process.kill(victim, 'SIGKILL');
      const settled = await Promise.all(calls);
      const slowest = Math.max(...settled.map(({ at }) => at - killedAt));
      expect(settled.every(({ answer }) => answer.error?.message.includes('killed by SIGKILL'))).toBe(true);
      expect(slowest).toBeLessThan(1_000);
      await waitUntilReady(bridge.adminUrl, 5_000);
      const backAfter = performance.now() - killedAt;
      expect(backAfter).toBeLessThan(5_000);
      const again = await Promise.all(
        sessions.map((s) => s.call('tools/call', { name: 'echo', arguments: { message: 'ok' } })),
      );
      expect(
        again.every((answer) => (answer.result as { content: { text: string }[] }).content[0]!.text === 'ok'),
      ).toBe(true);
      expect(isAlive(victim)).toBe(false);
      expect(descendantsOf(bridge.child.pid!)).toEqual([await sharedPid()]);
    },
  );
});

async function inflight(): Promise<number> {
  const metrics = await (await fetch(`${bridge.adminUrl}/metrics`)).text();
  return Number(/^mcp_sidecar_inflight_requests (\d+)/m.exec(metrics)?.[1] ?? -1);
}

it('answers ping through the upstream with a rewritten id', async () => {
  const response = await fetch(bridge.url, {
    method: 'POST',
    headers: { ...MCP_HEADERS, 'mcp-session-id': (await openRawSession(bridge.url)).id },
    body: JSON.stringify({ jsonrpc: '2.0', id: 'p', method: 'ping' }),
  });
  expect(await readAnswer(response)).toMatchObject({ id: 'p', result: {} });
});
