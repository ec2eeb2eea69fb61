// Streamable HTTP 2025-11-25 security (S1–S3): Origin validation with 403, Host validation against DNS rebinding,
// --allowed-origins / --allowed-hosts, on the MCP endpoint and on the legacy /sse endpoint.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { Bridge } from '../src/bridge.ts';
import { initializeRequest, MCP_HEADERS } from '../../test/helpers/mcp-http.ts';
import { rawHttp } from '../../test/helpers/sse-stream.ts';
import { errorBody, MODES, openSession, startScripted } from './http-support.ts';

const INIT_BODY = JSON.stringify(initializeRequest(0));

const initializeFrom = (url: string, origin: string) =>
  fetch(url, { method: 'POST', headers: { ...MCP_HEADERS, origin }, body: INIT_BODY });

/** initialize with an exact Host header (fetch cannot set one). */
const initializeWithHost = (url: string, host: string) =>
  rawHttp(url, { method: 'POST', headers: { ...MCP_HEADERS, host }, body: INIT_BODY });

const portOf = (url: string) => new URL(url).port;

describe.each(MODES)('Origin and Host validation (--session-mode %s)', (sessionMode) => {
  let bridge: Bridge;
  beforeAll(async () => {
    bridge = await startScripted({ sessionMode });
  });
  afterAll(() => bridge?.close());

  it('S2: a present, not-allowed Origin gets 403 with a JSON-RPC error (no id) naming Origin and --allowed-origins', async () => {
    const response = await initializeFrom(bridge.url, 'http://evil.example');
    expect(response.status).toBe(403);
    expect(response.headers.get('mcp-session-id')).toBeNull();
    const body = await errorBody(response);
    expect(body.id ?? null).toBeNull();
    expect(body.error?.message).toMatch(/origin/i);
    expect(body.error?.message).toMatch(/--allowed-origins/);
  });

  it.each([
    'http://localhost.evil.example',
    'http://127.0.0.1.evil.example',
    'http://127.0.0.1evil.example',
    'null',
    'https://localhost@evil.example',
  ])('S1/S2: look-alike or opaque Origin %s gets 403', async (origin) => {
    expect((await initializeFrom(bridge.url, origin)).status).toBe(403);
  });

  it('S1: Origin is checked on every request of a session (POST, GET, DELETE), not only on initialize', async () => {
    const session = await openSession(bridge.url);
    const origin = 'http://evil.example';
    const post = await session.post({ jsonrpc: '2.0', id: 1, method: 'tools/list' }, { origin });
    const get = await fetch(bridge.url, { headers: session.headers({ accept: 'text/event-stream', origin }) });
    const del = await fetch(bridge.url, { method: 'DELETE', headers: session.headers({ origin }) });
    expect([post.status, get.status, del.status]).toEqual([403, 403, 403]);
    expect((await session.post({ jsonrpc: '2.0', id: 2, method: 'tools/list' })).status).toBe(200);
  });

  it.each(['http://localhost:3000', 'http://127.0.0.1:5173', 'http://[::1]:8080', 'http://localhost'])(
    'S1: loopback Origin %s is allowed',
    async (origin) => {
      expect((await initializeFrom(bridge.url, origin)).status).toBe(200);
    },
  );

  it('S1: a request without Origin (non-browser client) is allowed', async () => {
    const response = await fetch(bridge.url, { method: 'POST', headers: MCP_HEADERS, body: INIT_BODY });
    expect(response.status).toBe(200);
  });

  it('S1/§1.8: the legacy /sse endpoint also answers a bad Origin with 403', async () => {
    const sse = new URL('/sse', bridge.url).href;
    const response = await fetch(sse, { headers: { accept: 'text/event-stream', origin: 'http://evil.example' } });
    expect(response.status).toBe(403);
  });

  it('S3/DNS rebinding: a Host that is not a loopback name gets 403 (or another 4xx) naming Host and --allowed-hosts', async () => {
    const answer = await initializeWithHost(bridge.url, `evil.example:${portOf(bridge.url)}`);
    expect(answer.status).toBeGreaterThanOrEqual(400);
    expect(answer.status).toBeLessThan(500);
    expect(answer.headers['mcp-session-id']).toBeUndefined();
    const message = (JSON.parse(answer.body) as { error?: { message?: string } }).error?.message ?? '';
    expect(message).toMatch(/host/i);
    expect(message).toMatch(/--allowed-hosts/);
  });

  it('S3/DNS rebinding: a rebinding Host on the legacy /sse endpoint gets a 4xx', async () => {
    const answer = await rawHttp(new URL('/sse', bridge.url).href, {
      headers: { accept: 'text/event-stream', host: `evil.example:${portOf(bridge.url)}` },
      timeoutMs: 2_000,
    });
    expect(answer.status).toBeGreaterThanOrEqual(400);
    expect(answer.status).toBeLessThan(500);
  });

  it.each(['localhost.evil.example', '127.0.0.1.evil.example'])(
    'S3/DNS rebinding: look-alike Host %s gets a 4xx',
    async (name) => {
      const answer = await initializeWithHost(bridge.url, `${name}:${portOf(bridge.url)}`);
      expect(answer.status).toBeGreaterThanOrEqual(400);
      expect(answer.status).toBeLessThan(500);
    },
  );

  it.each(['localhost', '127.0.0.1', '[::1]'])('S3: loopback Host %s (with the port) is allowed', async (name) => {
    const answer = await initializeWithHost(bridge.url, `${name}:${portOf(bridge.url)}`);
    expect(answer.status).toBe(200);
  });
});

describe('--allowed-origins', () => {
  let bridge: Bridge;
  beforeAll(async () => {
    bridge = await startScripted({ allowedOrigins: ['https://app.example.com'] });
  });
  afterAll(() => bridge?.close());

  it('S1: an Origin listed in --allowed-origins is allowed', async () => {
    expect((await initializeFrom(bridge.url, 'https://app.example.com')).status).toBe(200);
  });

  it.each(['http://app.example.com', 'https://app.example.com:8443', 'https://evil.app.example.com'])(
    'S2: --allowed-origins matches exactly (%s gets 403)',
    async (origin) => {
      expect((await initializeFrom(bridge.url, origin)).status).toBe(403);
    },
  );

  it('S1: loopback Origins stay allowed next to --allowed-origins (they are extra origins)', async () => {
    expect((await initializeFrom(bridge.url, 'http://localhost:3000')).status).toBe(200);
  });
});

describe('--allowed-hosts', () => {
  let bridge: Bridge;
  beforeAll(async () => {
    bridge = await startScripted({ allowedHosts: ['mcp.internal'] });
  });
  afterAll(() => bridge?.close());

  it('S3: a Host listed in --allowed-hosts is allowed', async () => {
    expect((await initializeWithHost(bridge.url, 'mcp.internal')).status).toBe(200);
  });

  it('S3: a Host not listed in --allowed-hosts is refused with a 4xx', async () => {
    const answer = await initializeWithHost(bridge.url, 'other.internal');
    expect(answer.status).toBeGreaterThanOrEqual(400);
    expect(answer.status).toBeLessThan(500);
  });
});
