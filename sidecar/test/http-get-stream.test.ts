// Streamable HTTP 2025-11-25, "Listening for messages from the server" (L1–L8) and "Multiple connections" (M1–M2):
// the standalone GET stream, its single-instance rule, queueing while it is absent, and keep-alive comments.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { Bridge } from '../src/bridge.ts';
import { waitFor } from '../../test/helpers/bridge-process.ts';
import {
  keepaliveGaps,
  messagesIn,
  MODES,
  openSession,
  readUntilMessage,
  type Session,
  startScripted,
  toolCall,
} from './http-support.ts';

const isListChanged = (m: Record<string, unknown>) => m['method'] === 'notifications/tools/list_changed';

/** Opens a GET stream, retrying while the server still reports the previous one (409) for up to `ms`. */
async function listenWhenFree(session: Session, ms: number) {
  return waitFor(
    async () => {
      const stream = await session.listen();
      if (stream.response.status !== 409) return stream;
      stream.sse.disconnect();
      return undefined;
    },
    ms,
    () => `GET still answered 409 ${ms} ms after the previous GET stream disconnected`,
  );
}

describe.each(MODES)('standalone GET stream (--session-mode %s)', (sessionMode) => {
  let bridge: Bridge;
  beforeAll(async () => {
    bridge = await startScripted({ sessionMode, sseKeepalive: 100 });
  });
  afterAll(() => bridge?.close());

  it('L3: GET with the session id opens a text/event-stream', async () => {
    const session = await openSession(bridge.url);
    const { response, sse } = await session.listen();
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    sse.disconnect();
  });

  it('P9/L7: the GET stream of a 2025-11-25 session starts with a priming event (id, retry, empty data)', async () => {
    const session = await openSession(bridge.url);
    const { sse } = await session.listen();
    const first = await sse.next();
    sse.disconnect();
    expect(first?.id).toBeTruthy();
    expect(first?.data).toBe('');
    expect(first?.retry).toBeGreaterThan(0);
  });

  it('L2: a GET whose Accept lacks text/event-stream gets 406', async () => {
    const session = await openSession(bridge.url);
    const response = await fetch(bridge.url, { headers: session.headers({ accept: 'application/json' }) });
    expect(response.status).toBe(406);
  });

  it('Appendix A (SDK behaviour): a second concurrent standalone GET stream in the session gets 409', async () => {
    const session = await openSession(bridge.url);
    const first = await session.listen();
    expect(first.response.status).toBe(200);
    const second = await session.listen();
    expect(second.response.status).toBe(409);
    second.sse.disconnect();
    first.sse.disconnect();
  });

  it('§5.8: a 409 is not fatal — the session still works and a GET after the first one disconnects is accepted', async () => {
    const session = await openSession(bridge.url);
    const first = await session.listen();
    (await session.listen()).sse.disconnect();
    expect(await session.tool('e1', 'echo', { text: 'alive' })).toBe('alive');
    first.sse.disconnect();
    const again = await listenWhenFree(session, 2_000);
    expect(again.response.status).toBe(200);
    again.sse.disconnect();
  });

  it('L4: an unrelated server notification (tools/list_changed) goes out on the open GET stream', async () => {
    const session = await openSession(bridge.url);
    const { sse } = await session.listen();
    expect(await session.tool('l1', 'later_list_changed', { ms: 50 })).toBe('list change scheduled');
    const events = await readUntilMessage(sse, isListChanged, 3_000);
    sse.disconnect();
    expect(messagesIn(events).filter(isListChanged)).toHaveLength(1);
  });

  it('L4/§5.2: an unrelated message sent while no GET stream is open is queued and delivered when one opens', async () => {
    const session = await openSession(bridge.url);
    expect(await session.tool('l2', 'later_list_changed', { ms: 0 })).toBe('list change scheduled');
    await new Promise((resolve) => setTimeout(resolve, 150));
    const { response, sse } = await session.listen();
    expect(response.status).toBe(200);
    const events = await readUntilMessage(sse, isListChanged, 3_000);
    sse.disconnect();
    expect(messagesIn(events).filter(isListChanged)).toHaveLength(1);
  });

  it('L5: a JSON-RPC response never goes out on the GET stream (it comes on its POST)', async () => {
    const session = await openSession(bridge.url);
    const { sse } = await session.listen();
    expect(await session.tool('r1', 'echo', { text: 'mine' })).toBe('mine');
    const onGet = messagesIn(await sse.during(300));
    sse.disconnect();
    expect(onGet.filter((m) => 'result' in m || 'error' in m)).toEqual([]);
  });

  it('M2: a request’s notifications go on its own POST stream only, never also on the GET stream', async () => {
    const session = await openSession(bridge.url);
    const listener = await session.listen();
    const { sse } = await session.stream(toolCall('m1', 'chatty', { count: 3, intervalMs: 20 }, 'tok-m2'));
    const onPost = messagesIn(await sse.until((e) => e.data?.includes('"id":"m1"') === true));
    const onGet = messagesIn(await listener.sse.during(300));
    listener.sse.disconnect();
    expect(onPost.filter((m) => m['method'] === 'notifications/progress')).toHaveLength(3);
    expect(onGet.filter((m) => m['method'] === 'notifications/progress')).toEqual([]);
  });

  it('§5.9: keep-alive comments arrive on an idle GET stream every --sse-keepalive (100 ms)', async () => {
    const session = await openSession(bridge.url);
    const { sse } = await session.listen();
    const events = await sse.during(600);
    sse.disconnect();
    expect(keepaliveGaps(events).count).toBeGreaterThanOrEqual(3);
    expect(keepaliveGaps(events).longest).toBeLessThan(200);
  });
});
