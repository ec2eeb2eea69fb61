// Session lifecycle as the SDK v1 client drives it: terminateSession() (HTTP DELETE) ends the session on the bridge
// at once, client.close() alone leaves it to the idle reaper; in per-session mode the session's own server
// process goes with it, in shared mode the one server keeps serving the other sessions.
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';

import { waitFor, waitForExit } from '../../test/helpers/bridge-process.ts';
import { sessionFingerprint } from '../src/health.ts';
import { exists } from '../../test/helpers/processes.ts';
import { MCP_HEADERS } from '../../test/helpers/mcp-http.ts';
import {
  bridgeStatus,
  Closer,
  connectV1,
  EVERYTHING,
  type LoggedBridge,
  startLoggedInProcess,
  textOf,
  upstreamPidOf,
  type V1StreamableSession,
} from '../../test/helpers/sdk-clients.ts';

const IDLE_TIMEOUT_MS = 1_500;

describe.each(['shared', 'per-session'] as const)('SDK v1 session lifecycle on mcp-sidecar (%s)', (mode) => {
  let bridge: LoggedBridge;
  const closer = new Closer();
  const connect = async (name = `lifecycle-${mode}`): Promise<V1StreamableSession> =>
    closer.add(await connectV1(bridge.url, name), (session) => session.client.close());
  /** The sessions /status lists, by fingerprint (it never shows a session id). */
  const openSessionIds = async (): Promise<string[]> =>
    (await bridgeStatus(bridge.adminUrl)).sessions.list.map((session) => session.fingerprint);
  /** A request on an ended session, sent by hand: the bridge must say 404 (spec 2025-11-25, Session Management). */
  const statusForOldSession = async (sessionId: string) => {
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' });
    const headers = { ...MCP_HEADERS, 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' };
    const response = await fetch(bridge.url, { method: 'POST', headers, body });
    await response.body?.cancel();
    return response.status;
  };

  beforeAll(async () => {
    bridge = await startLoggedInProcess(
      { sessionMode: mode, poolMin: 1, sessionIdleTimeout: IDLE_TIMEOUT_MS },
      EVERYTHING,
    );
  });
  afterEach(() => closer.closeAll());
  afterAll(() => bridge?.close());

  test('terminateSession() then close(): the bridge ends the session at once and the old id gets 404', async () => {
    const other = await connect('bystander');
    const { client, transport } = await connect();
    const sessionId = transport.sessionId!;
    expect(textOf(await client.callTool({ name: 'echo', arguments: { message: 'before' } }))).toBe('Echo: before');
    const pid = await upstreamPidOf(bridge.adminUrl, sessionId);
    expect(pid).toBeGreaterThan(0);
    expect(await openSessionIds()).toContain(sessionFingerprint(sessionId));

    await transport.terminateSession();
    expect(transport.sessionId).toBeUndefined();
    expect(await openSessionIds()).not.toContain(sessionFingerprint(sessionId));
    expect(await statusForOldSession(sessionId)).toBe(404);
    await client.close();

    if (mode === 'per-session') {
      await waitForExit(pid!, 10_000); // the server outlives no session
    } else {
      expect(exists(pid!)).toBe(true);
      expect((await bridgeStatus(bridge.adminUrl)).shared?.pid).toBe(pid);
    }
    // Another session is not affected by the end of this one.
    const echo = await other.client.callTool({ name: 'echo', arguments: { message: 'still here' } });
    expect(textOf(echo)).toBe('Echo: still here');
  });

  test('close() then terminateSession(): SDK v1 refuses (its transport is aborted); the idle reaper ends the session', async () => {
    const { client, transport } = await connect();
    const sessionId = transport.sessionId!;
    const pid = await upstreamPidOf(bridge.adminUrl, sessionId);
    await client.close();
    // close() only aborts the client's streams: no DELETE, so the session is still open on the bridge.
    expect(transport.sessionId).toBe(sessionId);
    expect(await openSessionIds()).toContain(sessionFingerprint(sessionId));
    // terminateSession() reuses the transport's AbortController, which close() aborted: the SDK throws AbortError
    // before any request leaves (SDK behaviour, @modelcontextprotocol/sdk 1.32.2 client/streamableHttp.js).
    await expect(transport.terminateSession()).rejects.toThrow(/aborted/i);
    expect(await openSessionIds()).toContain(sessionFingerprint(sessionId));

    await waitFor(
      async () => ((await openSessionIds()).includes(sessionFingerprint(sessionId)) ? undefined : true),
      IDLE_TIMEOUT_MS + 5_000,
      () => `session ${sessionId} was not reaped after ${IDLE_TIMEOUT_MS} ms idle\n${bridge.output().slice(-2000)}`,
    );
    expect(await statusForOldSession(sessionId)).toBe(404);
    if (mode === 'per-session') {
      await waitForExit(pid!, 10_000); // the server outlives no session
    }
  });

  test('a new client after a terminated one gets a fresh session that works', async () => {
    const first = await connect();
    const firstId = first.transport.sessionId!;
    await first.transport.terminateSession();
    const second = await connect();
    expect(second.transport.sessionId).not.toBe(firstId);
    const sum = await second.client.callTool({ name: 'get-sum', arguments: { a: 40, b: 2 } });
    expect(textOf(sum)).toBe('The sum of 40 and 2 is 42.');
  });

  test('the server process dies mid-call: the call fails with an explanation, then the bridge recovers', async () => {
    const { client, transport } = await connect();
    const pid = (await upstreamPidOf(bridge.adminUrl, transport.sessionId!))!;
    const call = client.callTool({ name: 'trigger-long-running-operation', arguments: { duration: 3, steps: 3 } });
    await new Promise((resolve) => setTimeout(resolve, 300));
    process.kill(pid, 'SIGKILL');
    const advice = mode === 'shared' ? 'mcp-sidecar is restarting it' : 'start a new session';
    await expect(call).rejects.toThrow(
      `the MCP server process was killed by SIGKILL while handling tools/call 'trigger-long-running-operation'; ${advice}`,
    );
    if (mode === 'shared') {
      // The same session keeps working on the restarted server.
      const echo = await waitFor(
        () => client.callTool({ name: 'echo', arguments: { message: 'after restart' } }).then(textOf, () => undefined),
        10_000,
        () => `the session did not recover\n${bridge.output().slice(-3000)}`,
      );
      expect(echo).toBe('Echo: after restart');
      expect((await bridgeStatus(bridge.adminUrl)).shared?.pid).not.toBe(pid);
    } else {
      // The session died with its process: the bridge answers 404 and a new session gets a new process.
      await expect(client.callTool({ name: 'echo', arguments: { message: 'x' } })).rejects.toMatchObject({ code: 404 });
      const fresh = await connect('after-crash');
      expect(textOf(await fresh.client.callTool({ name: 'echo', arguments: { message: 'fresh' } }))).toBe(
        'Echo: fresh',
      );
      expect(await upstreamPidOf(bridge.adminUrl, fresh.transport.sessionId!)).not.toBe(pid);
    }
  });
});

describe('SDK v1 clients past --max-sessions', () => {
  let bridge: LoggedBridge;
  const closer = new Closer();

  beforeAll(async () => {
    bridge = await startLoggedInProcess({ maxSessions: 2 }, EVERYTHING);
  });
  afterEach(() => closer.closeAll());
  afterAll(() => bridge?.close());

  test('the third client is refused with 503 and a reason; after one ends, a new client gets in', async () => {
    const sessions = [await connectV1(bridge.url, 'one'), await connectV1(bridge.url, 'two')];
    for (const session of sessions) closer.add(session, (s) => s.client.close());
    const refused = connectV1(bridge.url, 'three');
    await expect(refused).rejects.toMatchObject({ code: 503 });
    await expect(refused).rejects.toThrow(/--max-sessions/);
    await sessions[0]!.transport.terminateSession();
    const late = closer.add(await connectV1(bridge.url, 'four'), (s) => s.client.close());
    expect(textOf(await late.client.callTool({ name: 'echo', arguments: { message: 'in' } }))).toBe('Echo: in');
  });
});
