// Streamable HTTP 2025-11-25: SSE priming and polling (P9–P11), keep-alives, and resumability (R1–R7): a client
// that drops a stream reconnects with GET + Last-Event-ID and gets exactly what it missed on that stream.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { Bridge } from '../src/bridge.ts';
import { MCP_HEADERS } from '../../test/helpers/mcp-http.ts';
import { type SseEvent } from '../../test/helpers/sse-stream.ts';
import {
  isResponseTo,
  keepaliveGaps,
  messagesIn,
  MODES,
  openSession,
  readUntilMessage,
  type Session,
  startScripted,
  toolCall,
} from './http-support.ts';

const tokenOf = (m: Record<string, unknown>) => (m['params'] as { progressToken?: string } | undefined)?.progressToken;
const progressText = (m: Record<string, unknown>) => (m['params'] as { message?: string } | undefined)?.message;
const isProgress = (token: string) => (m: Record<string, unknown>) => tokenOf(m) === token;

/** Resumes with GET + Last-Event-ID and reads up to the response to `id`. */
async function resume(session: Session, lastEventId: string, id: string): Promise<SseEvent[]> {
  const { response, sse } = await session.listen({ 'last-event-id': lastEventId });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const events = await sse.until(isResponseTo(id), 5_000);
  sse.disconnect();
  return events;
}

describe.each(MODES)('SSE priming, keep-alives and resumability (--session-mode %s)', (sessionMode) => {
  let bridge: Bridge;
  beforeAll(async () => {
    bridge = await startScripted({ sessionMode, sseKeepalive: 100 });
  });
  afterAll(() => bridge?.close());

  it('P9/P11: a POST SSE stream of a 2025-11-25 session starts with a priming event: id, retry, empty data', async () => {
    const session = await openSession(bridge.url);
    const { response, sse } = await session.stream(toolCall('p1', 'chatty', { count: 1 }, 'tok'));
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const first = await sse.next();
    await sse.until(isResponseTo('p1'));
    expect(first?.id).toBeTruthy();
    expect(first?.data).toBe('');
    expect(first?.retry).toBeGreaterThan(0);
  });

  it.each(['2025-03-26', '2025-06-18'])(
    'P9: a %s session gets no priming event and no retry field (older clients may mishandle empty data)',
    async (version) => {
      const session = await openSession(bridge.url, version);
      const { response, sse } = await session.stream(toolCall('p2', 'chatty', { count: 2 }, 'tok'));
      expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
      const events = await sse.until(isResponseTo('p2'));
      expect(events.filter((e) => e.data === '')).toEqual([]);
      expect(events.filter((e) => e.retry !== undefined)).toEqual([]);
      expect(messagesIn(events).map((m) => progressText(m) ?? m['id'])).toEqual(['chatty-1', 'chatty-2', 'p2']);
    },
  );

  it('P9: the GET stream of a 2025-03-26 session has no priming event either', async () => {
    const session = await openSession(bridge.url, '2025-03-26');
    const { response, sse } = await session.listen();
    expect(response.status).toBe(200);
    const events = await sse.during(300);
    sse.disconnect();
    expect(events.filter((e) => e.data === '' || e.retry !== undefined)).toEqual([]);
  });

  it('§5.9: keep-alive comments arrive every --sse-keepalive (100 ms) on a POST stream waiting for the client', async () => {
    const session = await openSession(bridge.url, '2025-11-25', { sampling: {} });
    const { sse } = await session.stream(toolCall('k1', 'sample', { prompt: 'wait' }));
    const [request] = messagesIn(await readUntilMessage(sse, (m) => m['method'] === 'sampling/createMessage')).slice(
      -1,
    );
    const waiting = await sse.during(600);
    const reply = { role: 'assistant', content: { type: 'text', text: 'done' }, model: 'test' };
    await session.post({ jsonrpc: '2.0', id: request!['id'], result: reply });
    await sse.until(isResponseTo('k1'));
    expect(keepaliveGaps(waiting).count).toBeGreaterThanOrEqual(3);
    expect(keepaliveGaps(waiting).longest).toBeLessThan(200);
  });

  it('R2: event ids are unique across all the streams of a session', async () => {
    const session = await openSession(bridge.url);
    const listener = await session.listen();
    const calls = await Promise.all(
      ['u1', 'u2'].map((id) => session.stream(toolCall(id, 'chatty', { count: 3, intervalMs: 10 }, id))),
    );
    const streams = await Promise.all(calls.map(({ sse }, i) => sse.until(isResponseTo(`u${i + 1}`))));
    const onGet = await listener.sse.during(200);
    listener.sse.disconnect();
    const ids = [...streams.flat(), ...onGet].map((e) => e.id).filter((id) => id !== undefined);
    expect(ids.length).toBeGreaterThanOrEqual(8);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('R4/R5/P16: after a mid-stream disconnect, GET + Last-Event-ID replays exactly the missed events of that stream', async () => {
    const session = await openSession(bridge.url);
    const { sse } = await session.stream(toolCall('a1', 'chatty', { count: 5, intervalMs: 100 }, 'A'));
    const read = await readUntilMessage(sse, (m) => progressText(m) === 'chatty-1');
    sse.disconnect();
    const missed = messagesIn(await resume(session, read.at(-1)!.id!, 'a1'));
    expect(missed.map((m) => progressText(m) ?? m['id'])).toEqual([
      'chatty-2',
      'chatty-3',
      'chatty-4',
      'chatty-5',
      'a1',
    ]);
    expect(missed.at(-1)!['result']).toEqual({ content: [{ type: 'text', text: 'chatty-done' }] });
  });

  it('R4/P9: resuming from the priming event id replays the whole stream', async () => {
    const session = await openSession(bridge.url);
    const { sse } = await session.stream(toolCall('a2', 'chatty', { count: 3, intervalMs: 150 }, 'A2'));
    const priming = await sse.next();
    expect(priming?.data).toBe('');
    sse.disconnect();
    const missed = messagesIn(await resume(session, priming!.id!, 'a2'));
    expect(missed.map((m) => progressText(m) ?? m['id'])).toEqual(['chatty-1', 'chatty-2', 'chatty-3', 'a2']);
  });

  it('R6: the replay carries nothing from the session’s other streams (another POST stream, the GET stream)', async () => {
    const session = await openSession(bridge.url);
    const listener = await session.listen();
    const other = await session.stream(toolCall('b1', 'chatty', { count: 4, intervalMs: 60 }, 'B'));
    const { sse } = await session.stream(toolCall('a3', 'chatty', { count: 4, intervalMs: 100 }, 'A3'));
    const read = await readUntilMessage(sse, (m) => progressText(m) === 'chatty-1');
    sse.disconnect();
    expect(await session.tool('l1', 'later_list_changed', { ms: 0 })).toBe('list change scheduled');
    await other.sse.until(isResponseTo('b1'));
    const missed = messagesIn(await resume(session, read.at(-1)!.id!, 'a3'));
    listener.sse.disconnect();
    expect(missed.filter((m) => !isProgress('A3')(m) && m['id'] !== 'a3')).toEqual([]);
    expect(missed.map((m) => progressText(m) ?? m['id'])).toEqual(['chatty-2', 'chatty-3', 'chatty-4', 'a3']);
  });

  it('R5/R7: a dropped GET stream resumes with GET + Last-Event-ID and gets the messages sent while it was away', async () => {
    const session = await openSession(bridge.url);
    const first = await session.listen();
    const priming = await first.sse.next();
    first.sse.disconnect();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await session.tool('l2', 'later_list_changed', { ms: 0 })).toBe('list change scheduled');
    await new Promise((resolve) => setTimeout(resolve, 200));
    const { response, sse } = await session.listen({ 'last-event-id': priming!.id! });
    expect(response.status).toBe(200);
    const events = await readUntilMessage(sse, (m) => m['method'] === 'notifications/tools/list_changed', 3_000);
    sse.disconnect();
    expect(messagesIn(events).map((m) => m['method'])).toEqual(['notifications/tools/list_changed']);
  });

  it('R2/SS10: a Last-Event-ID from another session replays nothing of that session', async () => {
    const owner = await openSession(bridge.url);
    const { sse } = await owner.stream(toolCall('x1', 'chatty', { count: 3, intervalMs: 100 }, 'X'));
    const priming = await sse.next();
    sse.disconnect();
    const thief = await openSession(bridge.url);
    const { response, sse: stolen } = await thief.listen({ 'last-event-id': priming!.id! });
    const events = response.status === 200 ? await stolen.during(400) : [];
    stolen.disconnect();
    expect(messagesIn(events).filter((m) => tokenOf(m) === 'X' || m['id'] === 'x1')).toEqual([]);
  });

  it('R4: a GET with an unknown Last-Event-ID and no session header still gets 400 (SS6)', async () => {
    const response = await fetch(bridge.url, {
      headers: { accept: MCP_HEADERS.accept, 'last-event-id': 'nope_1' },
    });
    expect(response.status).toBe(400);
  });
});

describe('--event-store-size', () => {
  it('resuming past the bound replays no foreign, duplicated or reordered events (or is refused with a 4xx)', async () => {
    const bridge = await startScripted({ eventStoreSize: 3 });
    try {
      const session = await openSession(bridge.url);
      const { sse } = await session.stream(toolCall('e1', 'chatty', { count: 8, intervalMs: 40 }, 'E'));
      const read = await readUntilMessage(sse, (m) => progressText(m) === 'chatty-1');
      sse.disconnect();
      await new Promise((resolve) => setTimeout(resolve, 400));
      const { response, sse: resumed } = await session.listen({ 'last-event-id': read.at(-1)!.id! });
      expect(response.status === 200 || (response.status >= 400 && response.status < 500)).toBe(true);
      const events = response.status === 200 ? await resumed.during(300) : [];
      resumed.disconnect();
      const labels = messagesIn(events).map((m) => progressText(m) ?? m['id']);
      const expected = ['chatty-2', 'chatty-3', 'chatty-4', 'chatty-5', 'chatty-6', 'chatty-7', 'chatty-8', 'e1'];
      expect(expected.slice(expected.length - labels.length)).toEqual(labels);
    } finally {
      await bridge.close();
    }
  });
});
