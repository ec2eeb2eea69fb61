// Streamable HTTP 2025-11-25, "Sending messages" (P1–P18): how the bridge answers POSTs, written from the spec
// (docs/specification/2025-11-25/basic/transports.mdx) and the requirement ids of mcp-transport-requirements.md.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { Bridge } from '../src/bridge.ts';
import { CONFORMANCE_SERVER, NODE, startInProcess } from '../../test/helpers/bridge-process.ts';
import { readAnswer } from '../../test/helpers/mcp-http.ts';
import {
  errorBody,
  isResponseTo,
  messagesIn,
  MODES,
  openSession,
  readUntilMessage,
  startScripted,
  toolCall,
} from './http-support.ts';

describe.each(MODES)('POST rules (--session-mode %s)', (sessionMode) => {
  let bridge: Bridge;
  beforeAll(async () => {
    bridge = await startScripted({ sessionMode, maxMessageSize: 4096 });
  });
  afterAll(() => bridge?.close());

  it('P7: a request whose response is the first thing the server sends is answered as application/json', async () => {
    const session = await openSession(bridge.url);
    const response = await session.post(toolCall(1, 'echo', { text: 'hi' }));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const answer = (await response.json()) as Record<string, unknown>;
    expect(answer).toEqual({ jsonrpc: '2.0', id: 1, result: { content: [{ type: 'text', text: 'hi' }] } });
  });

  it('P7/P12/P13: a request preceded by notifications is answered as an SSE stream carrying them, then the response', async () => {
    const session = await openSession(bridge.url);
    const response = await session.post(toolCall('c1', 'chatty', { count: 3, intervalMs: 20 }, 'tok'));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const answer = await readAnswer(response);
    expect(answer.id).toBe('c1');
    expect(answer.result).toEqual({ content: [{ type: 'text', text: 'chatty-done' }] });
    expect(answer.before.map((m) => (m['params'] as { message: string }).message)).toEqual([
      'chatty-1',
      'chatty-2',
      'chatty-3',
    ]);
    expect(answer.before.every((m) => (m['params'] as { progressToken: string }).progressToken === 'tok')).toBe(true);
  });

  it('ids and progress tokens come back byte for byte, however the client wrote them', async () => {
    const session = await openSession(bridge.url);
    const post = (text: string) => fetch(session.url, { method: 'POST', headers: session.headers(), body: text });
    // Beyond 2^53: JSON.parse alone would answer 12345678901234567000.
    const big = await post(
      '{"jsonrpc":"2.0","id":12345678901234567891,"method":"tools/call","params":{"name":"echo","arguments":{"text":"x"}}}',
    );
    expect(await big.text()).toContain('"id":12345678901234567891,');
    // 1.0e1 is the integer 10, and "\u0074ok" is "tok": the client gets back what it sent, not the canonical form.
    const chatty = await post(
      '{"jsonrpc":"2.0","id": 1.0e1,"method":"tools/call","params":{"name":"chatty","arguments":{"count":2,"intervalMs":5},' +
        '"_meta":{"progressToken":"\\u0074ok"}}}',
    );
    const text = await chatty.text();
    expect(text.match(/"progressToken":"\\u0074ok"/g)).toHaveLength(2);
    expect(text).toContain('"id":1.0e1,"result"');
    expect(text).not.toMatch(/"id":10\b|"tok"/);
  });

  it('P7 (design note): a call that runs longer than about 1 s is upgraded to an SSE stream', async () => {
    const session = await openSession(bridge.url);
    const started = Date.now();
    const response = await session.post(toolCall('s1', 'slow', { ms: 1_600 }));
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect((await readAnswer(response)).result).toEqual({ content: [{ type: 'text', text: 'slept 1600 ms' }] });
  });

  it('P15: the SSE stream of a request is terminated after its response', async () => {
    const session = await openSession(bridge.url);
    const { response, sse } = await session.stream(toolCall('c2', 'chatty', { count: 2, intervalMs: 10 }, 'tok'));
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    await sse.until(isResponseTo('c2'));
    expect(await sse.next(2_000)).toBeUndefined();
  });

  it('P5: a client notification gets 202 Accepted with an empty body', async () => {
    const session = await openSession(bridge.url);
    const response = await session.post({ jsonrpc: '2.0', method: 'notifications/roots/list_changed' });
    expect(response.status).toBe(202);
    expect(await response.text()).toBe('');
  });

  it('P5/§5.3: a client notification is written to the server’s stdin', async () => {
    const session = await openSession(bridge.url);
    expect((await session.post({ jsonrpc: '2.0', method: 'notifications/roots/list_changed' })).status).toBe(202);
    const seen = JSON.parse(await session.tool('seen-1', 'seen_notifications')) as string[];
    expect(seen).toContain('notifications/roots/list_changed');
  });

  it('P5/§5.3: a client response to a server request gets 202, empty body, and reaches the server (sampling completes)', async () => {
    const session = await openSession(bridge.url, '2025-11-25', { sampling: {} });
    const { response, sse } = await session.stream(toolCall('t1', 'sample', { prompt: 'ping?' }));
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const [request] = messagesIn(await readUntilMessage(sse, (m) => m['method'] === 'sampling/createMessage')).slice(
      -1,
    );
    const reply = { role: 'assistant', content: { type: 'text', text: 'pong!' }, model: 'test', stopReason: 'endTurn' };
    const accepted = await session.post({ jsonrpc: '2.0', id: request!['id'], result: reply });
    expect(accepted.status).toBe(202);
    expect(await accepted.text()).toBe('');
    const [answer] = messagesIn(await sse.until(isResponseTo('t1'))).slice(-1);
    expect(answer!['result']).toEqual({ content: [{ type: 'text', text: 'client said: pong!' }] });
  });

  it('§5.3: a client response is never echoed back to the client, on the request stream or the GET stream', async () => {
    const session = await openSession(bridge.url, '2025-11-25', { sampling: {} });
    const listener = await session.listen();
    expect(listener.response.status).toBe(200);
    const { sse } = await session.stream(toolCall('t2', 'sample', { prompt: 'echo?' }));
    const before = messagesIn(await readUntilMessage(sse, (m) => m['method'] === 'sampling/createMessage'));
    const samplingId = before.at(-1)!['id'];
    const reply = { role: 'assistant', content: { type: 'text', text: 'secret' }, model: 'test' };
    expect((await session.post({ jsonrpc: '2.0', id: samplingId, result: reply })).status).toBe(202);
    const after = messagesIn(await sse.until(isResponseTo('t2')));
    const onGet = messagesIn(await listener.sse.during(300));
    listener.sse.disconnect();
    const echoed = (m: Record<string, unknown>) => m['id'] === samplingId && 'result' in m;
    expect([...before, ...after].filter(echoed)).toEqual([]);
    expect(onGet.filter(echoed)).toEqual([]);
    expect(after.map((m) => m['id'])).toEqual(['t2']);
  });

  it('P4/P6: a JSON-RPC batch (array) is rejected with 400 and a JSON-RPC error', async () => {
    const session = await openSession(bridge.url);
    const response = await session.post([toolCall(1, 'echo', { text: 'a' }), toolCall(2, 'echo', { text: 'b' })]);
    expect(response.status).toBe(400);
    const body = await errorBody(response);
    expect(body.error?.message).toMatch(/batch|array/i);
  });

  it('P6: a body that is not JSON is rejected with 400 and a parse error (-32700)', async () => {
    const session = await openSession(bridge.url);
    const response = await fetch(bridge.url, {
      method: 'POST',
      headers: session.headers(),
      body: '{"jsonrpc": "2.0", ',
    });
    expect(response.status).toBe(400);
    const body = await errorBody(response);
    expect(body.error?.code).toBe(-32700);
    expect(body.id ?? null).toBeNull();
  });

  it('P6: a JSON value that is not a JSON-RPC message is rejected with 400', async () => {
    const session = await openSession(bridge.url);
    const response = await session.post({ hello: 'world' });
    expect(response.status).toBe(400);
    expect((await errorBody(response)).error?.message).toBeTruthy();
  });

  it('P3: a POST whose Accept lacks text/event-stream gets 406 naming the Accept header', async () => {
    const session = await openSession(bridge.url);
    const response = await session.post(toolCall(1, 'echo'), { accept: 'application/json' });
    expect(response.status).toBe(406);
    expect((await errorBody(response)).error?.message).toMatch(/text\/event-stream/);
  });

  it('P3: a POST whose Accept lacks application/json gets 406', async () => {
    const session = await openSession(bridge.url);
    const response = await session.post(toolCall(1, 'echo'), { accept: 'text/event-stream' });
    expect(response.status).toBe(406);
  });

  it('P2: a POST whose Content-Type is not application/json gets 415 naming the expected type', async () => {
    const session = await openSession(bridge.url);
    const response = await session.post(toolCall(1, 'echo'), { 'content-type': 'text/plain' });
    expect(response.status).toBe(415);
    expect((await errorBody(response)).error?.message).toMatch(/application\/json/);
  });

  it('P2: Content-Type parameters are allowed (application/json; charset=utf-8)', async () => {
    const session = await openSession(bridge.url);
    const response = await session.post(toolCall(1, 'echo', { text: 'x' }), {
      'content-type': 'application/json; charset=utf-8',
    });
    expect(response.status).toBe(200);
  });

  it('P6: a body over --max-message-size gets 413 naming the limit, and a body under it still works', async () => {
    const session = await openSession(bridge.url);
    const big = await session.post(toolCall(1, 'echo', { text: 'x'.repeat(5_000) }));
    expect(big.status).toBe(413);
    expect((await errorBody(big)).error?.message).toMatch(/4096|4 ?KiB|max-message-size/i);
    const small = await session.post(toolCall(2, 'echo', { text: 'x'.repeat(3_000) }));
    expect(small.status).toBe(200);
  });

  it('E1: methods other than GET, POST and DELETE get 405 with an Allow header', async () => {
    const session = await openSession(bridge.url);
    const response = await fetch(bridge.url, { method: 'PUT', headers: session.headers(), body: '{}' });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toMatch(/GET/);
    expect(response.headers.get('allow')).toMatch(/POST/);
  });
});

describe.each(MODES)('with the conformance fixture (--session-mode %s)', (sessionMode) => {
  let bridge: Bridge;
  beforeAll(async () => {
    bridge = await startInProcess({ sessionMode, logLevel: 'silent', shutdownGrace: 100 }, [NODE, CONFORMANCE_SERVER]);
  });
  afterAll(() => bridge?.close());

  it('P5/§5.3: answering the sampling request of test_sampling with a POST (202) lets the tool complete', async () => {
    const session = await openSession(bridge.url, '2025-11-25', { sampling: {} });
    const { sse } = await session.stream(toolCall('ts1', 'test_sampling', { prompt: 'Say hi' }));
    const [request] = messagesIn(await readUntilMessage(sse, (m) => m['method'] === 'sampling/createMessage')).slice(
      -1,
    );
    const reply = {
      role: 'assistant',
      content: { type: 'text', text: 'hi there' },
      model: 'test',
      stopReason: 'endTurn',
    };
    const accepted = await session.post({ jsonrpc: '2.0', id: request!['id'], result: reply });
    expect([accepted.status, await accepted.text()]).toEqual([202, '']);
    const [answer] = messagesIn(await sse.until(isResponseTo('ts1'))).slice(-1);
    expect(answer!['result']).toMatchObject({ content: [{ type: 'text', text: 'LLM response: hi there' }] });
  });
});
