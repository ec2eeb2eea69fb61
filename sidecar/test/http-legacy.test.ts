// The legacy HTTP+SSE transport (2024-11-05, §1.8) with raw HTTP: GET /sse opens the stream, whose first event is
// `endpoint` with the POST URI; client messages are POSTed there (202); everything from the server comes back as
// `message` events on the stream.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { Bridge } from '../src/bridge.ts';
import { initializeRequest } from '../../test/helpers/mcp-http.ts';
import { messageOf, openStream, type SseReader } from '../../test/helpers/sse-stream.ts';
import { waitFor } from '../../test/helpers/bridge-process.ts';
import { waitForExit } from '../../test/helpers/bridge-process.ts';
import { exists } from '../../test/helpers/processes.ts';
import { errorBody, MODES, startScripted, toolCall } from './http-support.ts';

interface LegacySession {
  readonly endpoint: string;
  readonly sse: SseReader;
  post(body: unknown): Promise<Response>;
  /** Reads `message` events up to the response to `id`; returns all the messages read. */
  answer(id: string | number): Promise<Record<string, unknown>[]>;
}

async function connect(bridge: Bridge): Promise<LegacySession> {
  const { response, sse } = await openStream(new URL('/sse', bridge.url).href, {
    headers: { accept: 'text/event-stream' },
  });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const first = await sse.until((e) => e.data !== undefined);
  const endpointEvent = first.at(-1)!;
  expect(endpointEvent.event).toBe('endpoint');
  const endpoint = new URL(endpointEvent.data!, bridge.url).href;
  const post = (body: unknown) =>
    fetch(endpoint, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const answer = async (id: string | number) => {
    const events = await sse.until((e) => messageOf(e)?.['id'] === id && !('method' in messageOf(e)!));
    return events.map(messageOf).filter((m) => m !== undefined);
  };
  return { endpoint, sse, post, answer };
}

/** connect + initialize (2024-11-05) + notifications/initialized. */
async function connectInitialized(bridge: Bridge, capabilities = {}): Promise<LegacySession> {
  const session = await connect(bridge);
  expect((await session.post(initializeRequest(0, '2024-11-05', capabilities))).status).toBe(202);
  await session.answer(0);
  expect((await session.post({ jsonrpc: '2.0', method: 'notifications/initialized' })).status).toBe(202);
  return session;
}

const sessionIdOf = (endpoint: string) => new URL(endpoint).searchParams.get('sessionId')!;

describe.each(MODES)('legacy HTTP+SSE transport, 2024-11-05 (--session-mode %s)', (sessionMode) => {
  let bridge: Bridge;
  beforeAll(async () => {
    bridge = await startScripted({ sessionMode });
  });
  afterAll(() => bridge?.close());

  it('§1.8: GET /sse opens an event stream whose first event is `endpoint` with /messages?sessionId=…', async () => {
    const session = await connect(bridge);
    session.sse.disconnect();
    expect(new URL(session.endpoint).pathname).toBe('/messages');
    expect(sessionIdOf(session.endpoint)).toMatch(/^[\x21-\x7e]+$/);
  });

  it('§1.8: initialize is POSTed to the endpoint (202) and answered as a `message` event on the stream', async () => {
    const session = await connect(bridge);
    const accepted = await session.post(initializeRequest(0, '2024-11-05'));
    expect(accepted.status).toBe(202);
    const events = await session.sse.until((e) => messageOf(e)?.['id'] === 0);
    session.sse.disconnect();
    expect(events.at(-1)!.event ?? 'message').toBe('message');
    const result = messageOf(events.at(-1)!)!['result'] as { serverInfo?: { name?: string } };
    expect(result.serverInfo?.name).toBe('scripted-server');
  });

  it('§1.8/§2.4: the server echoes the requested 2024-11-05 protocol version, which it supports', async () => {
    const session = await connect(bridge);
    await session.post(initializeRequest(0, '2024-11-05'));
    const [response] = (await session.answer(0)).slice(-1);
    session.sse.disconnect();
    expect((response!['result'] as { protocolVersion: string }).protocolVersion).toBe('2024-11-05');
  });

  it('§1.8: a tools/call is accepted with 202 and its response comes on the stream', async () => {
    const session = await connectInitialized(bridge);
    const accepted = await session.post(toolCall(1, 'echo', { text: 'legacy' }));
    expect(accepted.status).toBe(202);
    const [response] = (await session.answer(1)).slice(-1);
    session.sse.disconnect();
    expect(response!['result']).toEqual({ content: [{ type: 'text', text: 'legacy' }] });
  });

  it('§1.8: server notifications of a call come on the stream before its response', async () => {
    const session = await connectInitialized(bridge);
    await session.post(toolCall(2, 'chatty', { count: 3, intervalMs: 10 }, 'lg'));
    const messages = await session.answer(2);
    session.sse.disconnect();
    expect(messages.filter((m) => m['method'] === 'notifications/progress')).toHaveLength(3);
  });

  it('§1.8/P5: a client response to a server request (sampling) is accepted with 202 and reaches the server', async () => {
    const session = await connectInitialized(bridge, { sampling: {} });
    await session.post(toolCall(3, 'sample', { prompt: 'legacy?' }));
    const events = await session.sse.until((e) => messageOf(e)?.['method'] === 'sampling/createMessage');
    const request = messageOf(events.at(-1)!)!;
    const reply = { role: 'assistant', content: { type: 'text', text: 'old but gold' }, model: 'test' };
    expect((await session.post({ jsonrpc: '2.0', id: request['id'], result: reply })).status).toBe(202);
    const messages = await session.answer(3);
    session.sse.disconnect();
    expect(messages.at(-1)!['result']).toEqual({ content: [{ type: 'text', text: 'client said: old but gold' }] });
    expect(messages.filter((m) => m['id'] === request['id'] && 'result' in m)).toEqual([]);
  });

  it('§1.8/SS7: a POST to /messages with an unknown sessionId gets 404', async () => {
    const url = new URL('/messages?sessionId=00000000-0000-4000-8000-000000000000', bridge.url).href;
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(toolCall(1, 'echo')),
    });
    expect(response.status).toBe(404);
  });

  it('§1.8/SS6: a POST to /messages without sessionId gets 400 naming the parameter', async () => {
    const response = await fetch(new URL('/messages', bridge.url).href, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(toolCall(1, 'echo')),
    });
    expect(response.status).toBe(400);
    expect((await errorBody(response)).error?.message).toMatch(/sessionId/);
  });

  it('§1.8/P6: a POST to /messages that is not JSON gets 400 and a parse error, as on the Streamable endpoint', async () => {
    const session = await connectInitialized(bridge);
    const response = await fetch(session.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: 'not json',
    });
    session.sse.disconnect();
    expect(response.status).toBe(400);
    expect(await errorBody(response)).toMatchObject({ error: { code: -32700 } });
  });

  it('§1.9/§5.10: closing the SSE connection ends the legacy session; its POST endpoint then gets 404', async () => {
    const session = await connectInitialized(bridge);
    const pid = Number(await legacyTool(session, 'pid'));
    session.sse.disconnect();
    const ping = { jsonrpc: '2.0', method: 'notifications/roots/list_changed' };
    await waitFor(
      async () => ((await session.post(ping)).status === 404 ? true : undefined),
      3_000,
      () => 'the legacy endpoint still accepts messages 3 s after its SSE connection closed',
    );
    if (sessionMode === 'per-session') await waitForExit(pid);
    else expect(exists(pid)).toBe(true);
  });
});

let legacyId = 100;
async function legacyTool(session: LegacySession, name: string): Promise<string> {
  const id = legacyId++;
  await session.post(toolCall(id, name));
  const response = (await session.answer(id)).at(-1)!;
  return (response['result'] as { content: { text: string }[] }).content[0]!.text;
}
