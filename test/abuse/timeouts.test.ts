// Defect 4 of issue 12: a call the server never answers stayed pending forever, and the idle reaper skipped
// sessions with calls in flight even after their client had gone: three abandoned hung calls with --max-sessions 3
// refused every new initialize with 503, indefinitely. Now --request-timeout fails the call (the client gets an
// error that says so, the server a notifications/cancelled, the slot is freed), progress restarts the clock, and a
// session whose client has gone is reaped --session-idle-timeout after the client's last sign of life.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { type BridgeProcess, waitFor } from '../helpers/bridge-process.ts';
import { initializeRequest, MCP_HEADERS, openRawSession, type RawSession } from '../helpers/mcp-http.ts';
import { metric, spawnAbuseBridge } from './support.ts';

const initialize = (url: string) =>
  fetch(url, { method: 'POST', headers: MCP_HEADERS, body: JSON.stringify(initializeRequest()) });

describe('--request-timeout (issue 12, defect 4)', () => {
  let bridge: BridgeProcess;
  let session: RawSession;
  beforeAll(async () => {
    bridge = await spawnAbuseBridge(['--request-timeout', '1s', '--max-sessions', '3', '--session-idle-timeout', '2s']);
    session = await openRawSession(bridge.url);
  });
  afterAll(() => bridge?.kill());

  it('a call the server never answers gets an error at the deadline; the server is told to cancel; nothing stays in flight', async () => {
    const started = performance.now();
    const answer = await session.call('tools/call', { name: 'hang' });
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThan(900);
    expect(elapsed).toBeLessThan(2_500);
    expect(answer.error?.code).toBe(-32000);
    expect(answer.error?.message).toMatch(/did not answer tools\/call 'hang' within 1s .*--request-timeout/);
    const seen = await session.call('tools/call', { name: 'cancelled' });
    const cancelled = JSON.parse((seen.result as { content: { text: string }[] }).content[0]!.text) as unknown[];
    expect(cancelled).toHaveLength(1);
    expect(await metric(bridge.adminUrl, 'mcp_sidecar_inflight_requests')).toBe(0);
    expect(await metric(bridge.adminUrl, 'mcp_sidecar_request_timeouts_total')).toBe(1);
  });

  it('progress restarts the clock: a call that reports progress more often than the timeout finishes', async () => {
    const params = {
      name: 'progress',
      arguments: { intervalMs: 400, steps: 5 },
      _meta: { progressToken: 'tick' },
    };
    const answer = await session.call('tools/call', params);
    expect(answer.result).toBeDefined();
    expect(answer.before.filter((message) => message.method === 'notifications/progress')).toHaveLength(5);
  });

  it('sessions whose clients left hung calls behind are reaped, so --max-sessions frees up', async () => {
    expect((await fetch(bridge.url, { method: 'DELETE', headers: { 'mcp-session-id': session.id } })).status).toBe(200);
    const abandoned = await Promise.all([1, 2, 3].map(() => openRawSession(bridge.url)));
    for (const left of abandoned) {
      const gone = new AbortController();
      const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'hang' } });
      const headers = { ...MCP_HEADERS, 'mcp-session-id': left.id, 'mcp-protocol-version': '2025-11-25' };
      void fetch(bridge.url, { method: 'POST', headers, body, signal: gone.signal }).catch(() => undefined);
      setTimeout(() => gone.abort(), 200);
    }
    const refused = await initialize(bridge.url);
    expect(refused.status).toBe(503);
    await refused.body?.cancel();
    const started = performance.now();
    await waitFor(
      async () => {
        const answer = await initialize(bridge.url);
        await answer.body?.cancel();
        return answer.status === 200 ? true : undefined;
      },
      8_000,
      () => 'no session could be opened: the abandoned ones were never reaped',
    );
    // Timed out after 1 s, reaped 2 s after the clients' last request: well under the 8 s allowed.
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});
