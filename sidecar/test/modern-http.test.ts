// 2026-07-28 on the same /mcp as 2025-11-25 sessions, over raw HTTP (statuses, codes, headers the SDKs hide), in
// both session modes, in front of the scripted fixture: both eras at once, the spec's errors with the request id,
// SSE (X-Accel-Buffering, progress, logs only when asked), stream close = cancellation, MRTR over the server's
// sampling request, its -32021 without the capability and its timeout, and subscriptions/listen.

import { setTimeout as sleep } from 'node:timers/promises';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { Bridge } from '../src/bridge.ts';
import { MCP_HEADERS, sseMessages } from '../../test/helpers/mcp-http.ts';
import { envelope, modernCall, modernHeaders, modernPost } from '../../test/helpers/modern-http.ts';
import { openStream } from '../../test/helpers/sse-stream.ts';
import { MODES, openSession, startScripted } from './http-support.ts';

const SAMPLING = { sampling: {} };
const textOf = (result: Record<string, unknown> | undefined) =>
  (result?.['content'] as { text: string }[] | undefined)?.[0]?.text;
const cancellations = async (url: string): Promise<number> =>
  (await seenNotifications(url)).filter((method) => method === 'notifications/cancelled').length;
const seenNotifications = async (url: string): Promise<string[]> =>
  JSON.parse(
    textOf((await modernCall(url, 'tools/call', { name: 'seen_notifications', arguments: {} })).result) ?? '[]',
  ) as string[];

describe.each(MODES)('2026-07-28 requests (--session-mode %s)', (sessionMode) => {
  let bridge: Bridge;
  beforeAll(async () => {
    bridge = await startScripted({ sessionMode, inputTimeout: 400 });
  });
  afterAll(() => bridge?.close());

  it('serves both eras on one URL at once: a 2025 session and sessionless 2026 calls', async () => {
    const session = await openSession(bridge.url);
    const [legacy, modern] = await Promise.all([
      session.call(1, 'tools/call', { name: 'echo', arguments: { text: 'old' } }),
      modernCall(bridge.url, 'tools/call', { name: 'echo', arguments: { text: 'new' } }),
    ]);
    expect(legacy.result).toEqual({ content: [{ type: 'text', text: 'old' }] });
    expect(modern).toMatchObject({
      status: 200,
      result: { content: [{ type: 'text', text: 'new' }], resultType: 'complete' },
    });
    const discover = await modernCall(bridge.url, 'server/discover');
    expect(discover.result?.['supportedVersions']).toEqual(expect.arrayContaining(['2026-07-28', '2025-11-25']));
    expect(discover.result?.['_meta']).toEqual({
      'io.modelcontextprotocol/serverInfo': { name: 'scripted-server', version: '1.0.0' },
    });
  });

  it('answers the spec errors with their status, code and the request id', async () => {
    const ping = await modernPost(bridge.url, 'ping', {}, {}, 'p-1');
    expect([ping.status, await ping.json()]).toMatchObject([404, { id: 'p-1', error: { code: -32601 } }]);
    const badName = await modernPost(
      bridge.url,
      'tools/call',
      { name: 'echo', arguments: {} },
      { headers: { 'mcp-name': 'other' } },
      9,
    );
    expect([badName.status, await badName.json()]).toMatchObject([400, { id: 9, error: { code: -32020 } }]);
    const noMeta = await fetch(bridge.url, {
      method: 'POST',
      headers: modernHeaders('tools/list', {}),
      body: JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'tools/list', params: {} }),
    });
    expect([noMeta.status, await noMeta.json()]).toMatchObject([400, { id: 3, error: { code: -32602 } }]);
    const v999 = await fetch(bridge.url, {
      method: 'POST',
      headers: { ...modernHeaders('tools/list', {}), 'mcp-protocol-version': 'v999.0.0' },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 4,
        method: 'tools/list',
        params: { _meta: { ...envelope(), 'io.modelcontextprotocol/protocolVersion': 'v999.0.0' } },
      }),
    });
    expect([v999.status, await v999.json()]).toMatchObject([
      400,
      { id: 4, error: { code: -32022, data: { requested: 'v999.0.0' } } },
    ]);
    const notification = await fetch(bridge.url, {
      method: 'POST',
      headers: { ...MCP_HEADERS, 'mcp-protocol-version': '2026-07-28' },
      body: JSON.stringify({
        jsonrpc: '2.0',
        method: 'notifications/cancelled',
        params: { requestId: 1, _meta: envelope() },
      }),
    });
    expect(notification.status).toBe(202);
  });

  it('streams progress as SSE with X-Accel-Buffering: no; logs only at the requested level', async () => {
    const progress = await modernPost(
      bridge.url,
      'tools/call',
      { name: 'chatty', arguments: { count: 2, intervalMs: 10 } },
      { meta: { progressToken: 'tok' } },
    );
    expect(progress.headers.get('content-type')).toBe('text/event-stream');
    expect(progress.headers.get('x-accel-buffering')).toBe('no');
    const events = sseMessages(await progress.text());
    expect(events.map((event) => event['method'] ?? 'answer')).toEqual([
      'notifications/progress',
      'notifications/progress',
      'answer',
    ]);
    expect((events[0]?.['params'] as { progressToken: unknown }).progressToken).toBe('tok');
    const unasked = await modernCall(bridge.url, 'tools/call', {
      name: 'chatty',
      arguments: { count: 2, intervalMs: 10 },
    });
    expect(unasked.before).toEqual([]);
    const asked = await modernCall(
      bridge.url,
      'tools/call',
      { name: 'chatty', arguments: { count: 2, intervalMs: 10 } },
      {
        meta: { 'io.modelcontextprotocol/logLevel': 'info' },
      },
    );
    expect(asked.before.map((message) => message['method'])).toEqual([
      'notifications/message',
      'notifications/message',
    ]);
  });

  it('closing the response stream cancels the request upstream (notifications/cancelled)', async () => {
    const before = await cancellations(bridge.url);
    const controller = new AbortController();
    const pending = modernPost(
      bridge.url,
      'tools/call',
      { name: 'slow', arguments: { ms: 3_000 } },
      { signal: controller.signal },
    );
    await sleep(300);
    controller.abort();
    await pending.catch(() => undefined);
    await sleep(100);
    expect(await cancellations(bridge.url)).toBe(before + 1);
  });

  it("MRTR: the server's sampling request becomes input_required; the retry's answer reaches it", async () => {
    const first = await modernCall(
      bridge.url,
      'tools/call',
      { name: 'sample', arguments: { prompt: 'hi?' } },
      { capabilities: SAMPLING },
    );
    expect(first.result).toMatchObject({
      resultType: 'input_required',
      inputRequests: { 'sampling-1': { method: 'sampling/createMessage', params: { maxTokens: 10 } } },
    });
    expect(first.result?.['requestState']).toMatch(/^v1\./);
    const answer = { role: 'assistant', model: 'm', content: { type: 'text', text: 'hello back' } };
    const retry = await modernCall(
      bridge.url,
      'tools/call',
      {
        name: 'sample',
        arguments: { prompt: 'hi?' },
        inputResponses: { 'sampling-1': answer },
        requestState: first.result?.['requestState'],
      },
      { capabilities: SAMPLING },
    );
    expect(retry.result).toEqual({
      content: [{ type: 'text', text: 'client said: hello back' }],
      resultType: 'complete',
    });
  });

  it('without the sampling capability: 400 / -32021 naming it, and the call cancelled upstream', async () => {
    const refused = await modernCall(bridge.url, 'tools/call', { name: 'sample', arguments: { prompt: 'x' } });
    expect(refused).toMatchObject({
      status: 400,
      error: { code: -32021, data: { requiredCapabilities: { sampling: {} } } },
    });
  });

  it('an abandoned round expires: the state is refused afterwards and the call was cancelled upstream', async () => {
    const before = await cancellations(bridge.url);
    const first = await modernCall(
      bridge.url,
      'tools/call',
      { name: 'sample', arguments: { prompt: 'x' } },
      { capabilities: SAMPLING },
    );
    await sleep(700);
    const late = await modernCall(
      bridge.url,
      'tools/call',
      { name: 'sample', arguments: { prompt: 'x' }, inputResponses: {}, requestState: first.result?.['requestState'] },
      { capabilities: SAMPLING },
    );
    expect(late).toMatchObject({ status: 400, error: { code: -32602, data: { reason: 'expired_request_state' } } });
    expect(await cancellations(bridge.url)).toBe(before + 1);
    const metrics = await (await fetch(`${bridge.adminUrl}/metrics`)).text();
    expect(metrics).toMatch(/^mcp_sidecar_input_expired_total [1-9]/m);
    expect(metrics).toMatch(/^mcp_sidecar_requests_total\{era="modern",method="tools\/call"\} [1-9]/m);
    expect(metrics).toMatch(/^mcp_sidecar_requests_total\{era="legacy-session",method="tools\/call"\} [1-9]/m);
  });

  it('subscriptions/listen: acknowledgement first, then the list change tagged with the subscription id', async () => {
    const params = { notifications: { toolsListChanged: true, promptsListChanged: true }, _meta: envelope() };
    const { response, sse } = await openStream(bridge.url, {
      method: 'POST',
      headers: modernHeaders('subscriptions/listen', {}),
      body: JSON.stringify({ jsonrpc: '2.0', id: 'listen-1', method: 'subscriptions/listen', params }),
    });
    expect(response.headers.get('x-accel-buffering')).toBe('no');
    const ack = JSON.parse((await sse.next(2_000))?.data ?? '{}') as Record<string, unknown>;
    // The fixture announces tool list changes only: prompts are left out of what is honoured.
    expect(ack).toMatchObject({
      method: 'notifications/subscriptions/acknowledged',
      params: {
        _meta: { 'io.modelcontextprotocol/subscriptionId': 'listen-1' },
        notifications: { toolsListChanged: true },
      },
    });
    await modernCall(bridge.url, 'tools/call', { name: 'later_list_changed', arguments: { ms: 20 } });
    const change = JSON.parse((await sse.next(2_000))?.data ?? '{}') as Record<string, unknown>;
    expect(change).toEqual({
      jsonrpc: '2.0',
      method: 'notifications/tools/list_changed',
      params: { _meta: { 'io.modelcontextprotocol/subscriptionId': 'listen-1' } },
    });
    sse.disconnect();
  });
});
