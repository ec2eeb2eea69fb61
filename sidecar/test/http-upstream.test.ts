// mcp-sidecar --upstream http://… in front of a real Streamable HTTP server (the conformance fixture served by the
// v1 SDK's StreamableHTTPServerTransport, with an event store): the official SDK clients v1 and v2 through it in
// both session modes, server→client requests, SEP-1699 resumption of a stream the server closes, 10,000
// notifications complete and in order, one upstream HTTP session per client session with DELETE on close, and a
// server that goes away and comes back (a new upstream session, the clients' sessions kept).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { waitFor } from '../../test/helpers/bridge-process.ts';
import { type HttpUpstream, startHttpUpstream } from '../../test/helpers/http-upstream.ts';
import {
  Closer,
  connectV1,
  connectV2,
  type LoggedBridge,
  samplingAnswerOf,
  startLoggedInProcess,
  textOf,
} from '../../test/helpers/sdk-clients.ts';

const closedSessions = (upstream: HttpUpstream): number =>
  upstream
    .output()
    .split('\n')
    .filter((line) => / session \S+ closed$/.test(line)).length;

describe.each(['shared', 'per-session'] as const)('SDK clients → mcp-sidecar (%s) → HTTP upstream', (mode) => {
  let upstream: HttpUpstream;
  let bridge: LoggedBridge;
  const closer = new Closer();

  beforeAll(async () => {
    upstream = await startHttpUpstream();
    // The flood arrives in one burst, faster than a client in the same process can read: --event-store-size bounds how
    // far a reader may fall behind before its stream is ended (README: Limits), so it is raised above the burst here.
    const limits = { eventStoreSize: 20_000 };
    bridge = await startLoggedInProcess(
      { sessionMode: mode, upstream: { kind: 'http', url: upstream.url }, ...limits },
      [],
    );
  });
  afterEach(() => closer.closeAll());
  afterAll(async () => {
    await bridge?.close();
    await upstream?.stop();
  });

  const v1 = async (name: string) =>
    closer.add(await connectV1(bridge.url, name), async ({ client, transport }) => {
      await transport.terminateSession();
      await client.close();
    });

  it('v1: lists and calls tools, relays sampling, and resumes a stream the server closed (SEP-1699)', async () => {
    const { client } = await v1(`v1-${mode}`);
    const tools = (await client.listTools()).tools.map((tool) => tool.name);
    expect(tools).toEqual(expect.arrayContaining(['test_simple_text', 'test_sampling', 'flood', 'large']));
    expect(textOf(await client.callTool({ name: 'test_simple_text', arguments: {} }))).toContain('simple text');
    const sampled = await client.callTool({ name: 'test_sampling', arguments: { prompt: 'hi' } });
    expect(textOf(sampled)).toContain(samplingAnswerOf(`v1-${mode}`));
    // The server closes the call's SSE stream after its priming event; the transport resumes it with
    // GET + Last-Event-ID and gets the answer from the server's event store.
    const resumed = await client.callTool({ name: 'test_reconnection', arguments: {} });
    expect(textOf(resumed)).toContain('properly reconnected');
  });

  it('v2: connects, lists and calls', async () => {
    const { client, transport } = closer.add(await connectV2(bridge.url, { name: `v2-${mode}` }), async (s) => {
      await s.transport.terminateSession();
      await s.client.close();
    });
    expect(transport.sessionId).toBeTruthy();
    expect((await client.listTools()).tools.length).toBeGreaterThan(10);
    expect(textOf(await client.callTool({ name: 'test_simple_text', arguments: {} }))).toContain('simple text');
  });

  it('passes 10,000 notifications of one call complete and in order', { timeout: 60_000 }, async () => {
    const { client } = await v1(`flood-${mode}`);
    const seen: number[] = [];
    const result = await client.callTool({ name: 'flood', arguments: { count: 10_000 } }, undefined, {
      onprogress: ({ progress }) => seen.push(progress),
      timeout: 60_000,
    });
    expect(textOf(result)).toBe('sent 10000');
    expect(seen.length).toBe(10_000);
    expect(seen.every((progress, index) => progress === index + 1)).toBe(true);
  });

  it('ends the upstream HTTP session with DELETE when the bridge ends its upstream', async () => {
    const before = closedSessions(upstream);
    const session = await connectV1(bridge.url, `delete-${mode}`);
    await session.transport.terminateSession();
    await session.client.close();
    if (mode === 'shared') {
      // One upstream session serves every client: a client leaving does not end it.
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(closedSessions(upstream)).toBe(before);
    } else {
      await waitFor(
        () => (closedSessions(upstream) > before ? true : undefined),
        5_000,
        () => upstream.output(),
      );
    }
  });
});

describe('HTTP upstream that goes away and comes back (shared)', () => {
  let upstream: HttpUpstream | undefined;
  let bridge: LoggedBridge | undefined;
  afterAll(async () => {
    await bridge?.close();
    await upstream?.stop();
  });

  it('re-initializes a new upstream session and keeps the clients’ sessions', { timeout: 30_000 }, async () => {
    upstream = await startHttpUpstream();
    const port = new URL(upstream.url).port;
    bridge = await startLoggedInProcess({ upstream: { kind: 'http', url: upstream.url } }, []);
    const { client, transport } = await connectV1(bridge.url, 'survivor');
    expect(textOf(await client.callTool({ name: 'test_simple_text', arguments: {} }))).toContain('simple text');
    await upstream.stop();
    upstream = await startHttpUpstream(Number(port));
    // The bridge notices the server going away (its GET stream is refused) or, had it missed that, the new server's
    // 404 for the old session: either ends the transport, and the bridge re-initializes with the new server.
    const answer = await waitFor(
      async () => {
        const result = await client.callTool({ name: 'test_simple_text', arguments: {} }).catch(() => undefined);
        return result && !result.isError ? result : undefined;
      },
      20_000,
      () => bridge!.output().slice(-3_000),
    );
    expect(textOf(answer)).toContain('simple text');
    expect(bridge.output()).toMatch(/stopped accepting connections|ended its session \S+ \(HTTP 404\)/);
    await transport.terminateSession();
    await client.close();
  });
});
