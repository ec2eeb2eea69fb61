// Defects 2 and 7 of issue 12, on what the bridge reads: params nested 5,000 levels deep gave HTTP 500 ("Maximum
// call stack size exceeded" in the upstream writer) and left the request in flight forever; invalid UTF-8 was
// replaced and forwarded; a 10 KB Mcp-Session-Id was echoed back whole in the 404. Now --max-json-depth is checked
// where bodies and server lines are read (400 naming the limit; nothing stays in flight), bodies must be UTF-8, and
// untrusted values are cut in messages.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { BridgeProcess } from '../helpers/bridge-process.ts';
import { MCP_HEADERS, openRawSession, type RawSession } from '../helpers/mcp-http.ts';
import { metric, spawnAbuseBridge } from './support.ts';

const nestedCall = (id: number, levels: number) =>
  `{"jsonrpc":"2.0","id":${id},"method":"tools/call","params":{"name":"echo","arguments":{"message":"x","deep":` +
  `${'['.repeat(levels)}${']'.repeat(levels)}}}}`;

describe('defensive parsing (issue 12, defects 2 and 7)', () => {
  let bridge: BridgeProcess;
  let session: RawSession;
  beforeAll(async () => {
    bridge = await spawnAbuseBridge();
    session = await openRawSession(bridge.url);
  });
  afterAll(() => bridge?.kill());

  const post = (body: string | Uint8Array, headers: Record<string, string> = {}) =>
    fetch(bridge.url, {
      method: 'POST',
      headers: { ...MCP_HEADERS, 'mcp-session-id': session.id, 'mcp-protocol-version': '2025-11-25', ...headers },
      body,
    });

  it('params nested 5,000 levels deep get 400 naming --max-json-depth, and nothing is left in flight', async () => {
    for (let i = 0; i < 20; i++) {
      const answer = await post(nestedCall(100 + i, 5_000));
      expect(answer.status).toBe(400);
      const body = (await answer.json()) as { error: { code: number; message: string } };
      expect(body.error.code).toBe(-32600);
      expect(body.error.message).toContain('--max-json-depth');
    }
    expect(await metric(bridge.adminUrl, 'mcp_sidecar_inflight_requests')).toBe(0);
    const status = (await (await fetch(`${bridge.adminUrl}/status`)).json()) as {
      shared: { inflight: number };
      sessions: { list: { openRequests: number }[] };
    };
    expect(status.shared.inflight).toBe(0);
    expect(status.sessions.list.every((listed) => listed.openRequests === 0)).toBe(true);
    // The session carries on, and params at a sane depth are forwarded.
    const answer = await post(nestedCall(200, 50));
    expect(answer.status).toBe(200);
    expect(((await answer.json()) as { result?: unknown }).result).toBeDefined();
  });

  it('a server answer nested too deep is never forwarded: the request gets an error naming the limit', async () => {
    const answer = await session.call('tools/call', { name: 'deep_answer', arguments: { levels: 5_000 } });
    expect(answer.error?.message).toContain('--max-json-depth');
    expect((await session.call('tools/call', { name: 'echo', arguments: { message: 'alive' } })).result).toBeDefined();
    expect(await metric(bridge.adminUrl, 'mcp_sidecar_upstream_invalid_lines_total', 'reason="too_deep"')).toBe(1);
  });

  it('invalid UTF-8 in a body is refused with 400, never replaced and forwarded', async () => {
    const valid = Buffer.from(
      '{"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":"echo","arguments":{"message":"',
    );
    const body = Buffer.concat([valid, Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('"}}}')]);
    const answer = await post(body);
    expect(answer.status).toBe(400);
    const error = ((await answer.json()) as { error: { code: number; message: string } }).error;
    expect(error.code).toBe(-32700);
    expect(error.message).toContain('UTF-8');
  });

  it('a 10 KB Mcp-Session-Id is not echoed back whole in the 404', async () => {
    const id = 'z'.repeat(10_000);
    const answer = await fetch(bridge.url, {
      method: 'POST',
      headers: { ...MCP_HEADERS, 'mcp-session-id': id },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(answer.status).toBe(404);
    const text = await answer.text();
    expect(text.length).toBeLessThan(400);
    expect(text).not.toContain(id);
    expect(text).toContain('10000 characters');
  });
});
