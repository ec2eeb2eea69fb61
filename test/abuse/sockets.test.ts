// Defects 6 and 7 of issue 12, on the sockets: slow clients were held for Node's defaults (headers 60 s, request
// 300 s; 200 connections trickling a byte a second were all still open after 60 s), and a 100 KB header got a
// connection reset instead of 431. Now --headers-timeout / --body-timeout close them within the limit with a 408,
// --max-header-size answers 431, and --max-connections answers 503 with Retry-After; an SSE stream stays open
// longer than every one of these timeouts.

import { setTimeout as sleep } from 'node:timers/promises';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { BridgeProcess } from '../helpers/bridge-process.ts';
import { MCP_HEADERS, openRawSession } from '../helpers/mcp-http.ts';
import { openStream } from '../helpers/sse-stream.ts';
import { metric, openSocket, spawnAbuseBridge, whenClosed } from './support.ts';

const HEADERS_TIMEOUT_MS = 2_000;
const BODY_TIMEOUT_MS = 3_000;
const MAX_CONNECTIONS = 220;

/** Everything the bridge sends on a socket until it closes it, and when it did. */
function collect(socket: Awaited<ReturnType<typeof openSocket>>): Promise<{ text: string; closedAt: number }> {
  let text = '';
  socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
  return whenClosed(socket).then((closedAt) => ({ text, closedAt }));
}

describe('socket limits (issue 12, defects 6 and 7)', () => {
  let bridge: BridgeProcess;
  let host: string;
  beforeAll(async () => {
    bridge = await spawnAbuseBridge([
      ...['--headers-timeout', `${HEADERS_TIMEOUT_MS}ms`, '--body-timeout', `${BODY_TIMEOUT_MS}ms`],
      ...['--max-connections', String(MAX_CONNECTIONS), '--max-header-size', '8KiB', '--sse-keepalive', '500ms'],
    ]);
    host = new URL(bridge.url).host;
  });
  afterAll(() => bridge?.kill());

  it('200 connections trickling their headers a byte a second are all closed within --headers-timeout, with 408', async () => {
    const started = performance.now();
    const sockets = await Promise.all(Array.from({ length: 200 }, () => openSocket(bridge.url)));
    const outcomes = sockets.map(collect);
    const request = `POST /mcp HTTP/1.1\r\nHost: ${host}\r\nX-Slow: ${'a'.repeat(100)}`;
    let sent = 0;
    const trickle = setInterval(() => {
      for (const socket of sockets) if (!socket.destroyed) socket.write(request[sent] ?? 'a');
      sent++;
    }, 1_000);
    try {
      const results = await Promise.all(outcomes);
      const slowest = Math.max(...results.map((r) => r.closedAt)) - started;
      expect(slowest).toBeLessThanOrEqual(HEADERS_TIMEOUT_MS + 500);
      for (const { text } of results) expect(text).toMatch(/^HTTP\/1\.1 408 .*--headers-timeout/s);
    } finally {
      clearInterval(trickle);
    }
  });

  it('a body sent too slowly is cut at --body-timeout with 408', async () => {
    const socket = await openSocket(bridge.url);
    const outcome = collect(socket);
    const started = performance.now();
    const head = Object.entries({ ...MCP_HEADERS, host, 'content-length': '100' }).map(([k, v]) => `${k}: ${v}`);
    socket.write(`POST /mcp HTTP/1.1\r\n${head.join('\r\n')}\r\n\r\n{"jsonrpc":`);
    const { text, closedAt } = await outcome;
    expect(closedAt - started).toBeLessThanOrEqual(BODY_TIMEOUT_MS + 500);
    expect(text).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('a 100 KB header gets 431 with a JSON-RPC error naming --max-header-size, not a reset', async () => {
    const answer = await fetch(bridge.url, {
      method: 'POST',
      headers: { ...MCP_HEADERS, 'x-big': 'b'.repeat(100_000) },
      body: '{}',
    });
    expect(answer.status).toBe(431);
    const body = (await answer.json()) as { error: { message: string } };
    expect(body.error.message).toContain('--max-header-size');
    expect(await metric(bridge.adminUrl, 'mcp_sidecar_connections_closed_total', 'reason="headers_too_large"')).toBe(1);
  });

  it('a connection over --max-connections gets 503 with Retry-After; the others keep working', async () => {
    const held = await Promise.all(Array.from({ length: MAX_CONNECTIONS }, () => openSocket(bridge.url)));
    try {
      await sleep(100);
      const answer = await fetch(bridge.url, { method: 'POST', headers: MCP_HEADERS, body: '{}' });
      expect(answer.status).toBe(503);
      expect(answer.headers.get('retry-after')).toBe('1');
      expect(((await answer.json()) as { error: { message: string } }).error.message).toContain('--max-connections');
    } finally {
      for (const socket of held) socket.destroy();
    }
    await sleep(100);
    const session = await openRawSession(bridge.url);
    expect((await session.call('tools/call', { name: 'echo', arguments: { message: 'hi' } })).result).toBeDefined();
  });

  it('an SSE stream outlives every one of these timeouts', async () => {
    const session = await openRawSession(bridge.url);
    const headers = { ...MCP_HEADERS, accept: 'text/event-stream', 'mcp-session-id': session.id };
    const { response, sse } = await openStream(bridge.url, { headers });
    expect(response.status).toBe(200);
    const events = await sse.during(BODY_TIMEOUT_MS + 1_000);
    sse.disconnect();
    const keepalives = events.filter((event) => event.comments.includes('keepalive'));
    expect(keepalives.length).toBeGreaterThanOrEqual(6);
    expect(Math.max(...keepalives.map((event) => event.at ?? 0)) - (events[0]?.at ?? 0)).toBeGreaterThan(
      BODY_TIMEOUT_MS,
    );
  });
});
