// Streamable HTTP 2025-11-25, session management (SS1–SS9) and the MCP-Protocol-Version header (V1–V4), plus the
// issue's limits: --max-sessions ⇒ 503 + Retry-After, idle sessions reaped, DELETE reaps a per-session child.

import { setTimeout as sleep } from 'node:timers/promises';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { Bridge } from '../src/bridge.ts';
import { sessionFingerprint } from '../src/health.ts';
import { waitFor, waitForExit } from '../../test/helpers/bridge-process.ts';
import { exists } from '../../test/helpers/processes.ts';
import { initializeRequest, MCP_HEADERS } from '../../test/helpers/mcp-http.ts';
import { errorBody, MODES, openSession, startScripted, statusSessions, toolCall } from './http-support.ts';

const UNKNOWN_SESSION = '00000000-0000-4000-8000-000000000000';

const initialize = (url: string, protocolVersion = '2025-11-25') =>
  fetch(url, { method: 'POST', headers: MCP_HEADERS, body: JSON.stringify(initializeRequest(0, protocolVersion)) });

describe.each(MODES)('sessions and protocol version (--session-mode %s)', (sessionMode) => {
  let bridge: Bridge;
  beforeAll(async () => {
    bridge = await startScripted({ sessionMode });
  });
  afterAll(() => bridge?.close());

  it('SS1/SS3: the InitializeResult carries an MCP-Session-Id made of visible ASCII (0x21–0x7E)', async () => {
    const response = await initialize(bridge.url);
    expect(response.status).toBe(200);
    expect(response.headers.get('mcp-session-id')).toMatch(/^[\x21-\x7e]+$/);
  });

  it.each(['2025-06-18', '2025-03-26'])(
    '§2.4: initialize requesting %s, a version the bridge supports, is answered with that version',
    async (version) => {
      const response = await initialize(bridge.url, version);
      const answer = (await response.json()) as { result?: { protocolVersion?: string } };
      expect(answer.result?.protocolVersion).toBe(version);
    },
  );

  it('SS2: two sessions get different ids', async () => {
    const [a, b] = await Promise.all([openSession(bridge.url), openSession(bridge.url)]);
    expect(a.id).not.toBe(b.id);
  });

  it('SS6: a non-initialize POST without MCP-Session-Id gets 400 naming the header', async () => {
    const response = await fetch(bridge.url, {
      method: 'POST',
      headers: MCP_HEADERS,
      body: JSON.stringify(toolCall(1, 'echo')),
    });
    expect(response.status).toBe(400);
    expect((await errorBody(response)).error?.message).toMatch(/mcp-session-id/i);
  });

  it('SS6: a GET without MCP-Session-Id gets 400', async () => {
    const response = await fetch(bridge.url, { headers: { accept: 'text/event-stream' } });
    expect(response.status).toBe(400);
  });

  it('SS7: an unknown session id gets 404 on POST, GET and DELETE', async () => {
    const headers = { ...MCP_HEADERS, 'mcp-session-id': UNKNOWN_SESSION, 'mcp-protocol-version': '2025-11-25' };
    const post = await fetch(bridge.url, { method: 'POST', headers, body: JSON.stringify(toolCall(1, 'echo')) });
    const get = await fetch(bridge.url, { headers: { ...headers, accept: 'text/event-stream' } });
    const del = await fetch(bridge.url, { method: 'DELETE', headers });
    expect([post.status, get.status, del.status]).toEqual([404, 404, 404]);
    expect((await errorBody(post)).error?.message).toMatch(/session/i);
  });

  it('SS9/SS7: DELETE ends the session with 200, then every request carrying its id gets 404', async () => {
    const session = await openSession(bridge.url);
    expect((await session.delete()).status).toBe(200);
    expect((await session.post(toolCall(1, 'echo'))).status).toBe(404);
    expect((await session.listen()).response.status).toBe(404);
    expect((await session.delete()).status).toBe(404);
  });

  it('SS9/P14: DELETE also terminates the session’s open GET stream', async () => {
    const session = await openSession(bridge.url);
    const { response, sse } = await session.listen();
    expect(response.status).toBe(200);
    expect((await session.delete()).status).toBe(200);
    await sse.during(2_000);
    expect(await sse.next(1)).toBeUndefined();
  });

  it('V4: an unsupported MCP-Protocol-Version gets 400 listing the supported versions', async () => {
    const session = await openSession(bridge.url);
    const response = await session.post(toolCall(1, 'echo'), { 'mcp-protocol-version': '1999-01-01' });
    expect(response.status).toBe(400);
    const message = (await errorBody(response)).error?.message ?? '';
    expect(message).toMatch(/1999-01-01|unsupported/i);
    expect(message).toMatch(/2025-11-25/);
  });

  it('V4/§1.7 pitfall: a supported but different version (2025-03-26) on a 2025-11-25 session is accepted', async () => {
    const session = await openSession(bridge.url);
    const response = await session.post(toolCall(1, 'echo', { text: 'ok' }), { 'mcp-protocol-version': '2025-03-26' });
    expect(response.status).toBe(200);
  });

  it('V3: a request without MCP-Protocol-Version is accepted (assumed 2025-03-26 or the negotiated version)', async () => {
    const session = await openSession(bridge.url);
    const { 'mcp-protocol-version': _omitted, ...headers } = session.headers();
    const response = await fetch(bridge.url, { method: 'POST', headers, body: JSON.stringify(toolCall(1, 'echo')) });
    expect(response.status).toBe(200);
  });

  it('V4: an unsupported MCP-Protocol-Version on GET also gets 400', async () => {
    const session = await openSession(bridge.url);
    const { response } = await session.listen({ 'mcp-protocol-version': 'not-a-version' });
    expect(response.status).toBe(400);
  });

  it('§5.10: DELETE reaps the session’s child in per-session mode, and keeps the shared child in shared mode', async () => {
    const [session, other] = [await openSession(bridge.url), await openSession(bridge.url)];
    const pid = Number(await session.tool('pid-1', 'pid'));
    expect(exists(pid)).toBe(true);
    if (sessionMode === 'per-session') {
      const listed = (await statusSessions(bridge)).find((s) => s.fingerprint === sessionFingerprint(session.id));
      expect(listed?.upstream?.pid).toBe(pid);
    }
    expect((await session.delete()).status).toBe(200);
    expect((await statusSessions(bridge)).map((s) => s.fingerprint)).not.toContain(sessionFingerprint(session.id));
    if (sessionMode === 'per-session') {
      await waitForExit(pid);
    } else {
      await sleep(200);
      expect(exists(pid)).toBe(true);
    }
    expect(await other.tool('echo-1', 'echo', { text: 'still here' })).toBe('still here');
  });
});

describe.each(MODES)('limits (--session-mode %s)', (sessionMode) => {
  it('--max-sessions: one session too many gets 503 with Retry-After and a JSON-RPC error; a freed slot is reused', async () => {
    const bridge = await startScripted({ sessionMode, maxSessions: 2 });
    try {
      const first = await openSession(bridge.url);
      await openSession(bridge.url);
      const refused = await initialize(bridge.url);
      expect(refused.status).toBe(503);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      const body = await errorBody(refused);
      expect(body.jsonrpc).toBe('2.0');
      expect(typeof body.error?.code).toBe('number');
      expect(body.error?.message).toMatch(/max-sessions|sessions/i);
      expect(refused.headers.get('mcp-session-id')).toBeNull();
      expect((await first.delete()).status).toBe(200);
      expect((await initialize(bridge.url)).status).toBe(200);
    } finally {
      await bridge.close();
    }
  });

  describe('--session-idle-timeout 500ms', () => {
    let bridge: Bridge;
    beforeAll(async () => {
      bridge = await startScripted({ sessionMode, sessionIdleTimeout: 500 });
    });
    afterAll(() => bridge?.close());

    it('an idle session is ended, then its id gets 404 (and a per-session child exits)', async () => {
      const session = await openSession(bridge.url);
      const pid = Number(await session.tool('pid-1', 'pid'));
      await waitFor(
        async () =>
          (await statusSessions(bridge)).some((s) => s.fingerprint === sessionFingerprint(session.id))
            ? undefined
            : true,
        5_000,
        () => `session ${session.id} still open after 5 s idle`,
      );
      expect((await session.post(toolCall(2, 'echo'))).status).toBe(404);
      if (sessionMode === 'per-session') await waitForExit(pid);
      else expect(exists(pid)).toBe(true);
    });

    it('a session with steady traffic or a call in flight is not reaped', async () => {
      const session = await openSession(bridge.url);
      for (let i = 0; i < 3; i++) {
        await sleep(250);
        expect(await session.tool(`e${i}`, 'echo', { text: 'x' })).toBe('x');
      }
      expect(await session.tool('long', 'slow', { ms: 900 })).toBe('slept 900 ms');
    });
  });
});
