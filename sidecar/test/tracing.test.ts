// OpenTelemetry tracing end to end: the bridge runs as a process with only OTEL_* variables set, a real OTLP/HTTP
// receiver decodes its protobuf exports, and the spans carry the MCP semantic-convention names and attributes,
// parented on the client's traceparent; the server sees the trace in params._meta; the histogram arrives on SIGTERM.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { type BridgeProcess, fixtureCommand, spawnBridge, waitFor } from '../../test/helpers/bridge-process.ts';
import { initializeRequest, type JsonRpcAnswer, MCP_HEADERS, readAnswer } from '../../test/helpers/mcp-http.ts';
import {
  metricsOf,
  type OtlpReceiver,
  type ReceivedSpan,
  startOtlpReceiver,
} from '../../test/helpers/otlp-receiver.ts';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const CLIENT_SPAN = '00f067aa0ba902b7';
const traceparent = (trace: string, span: string) => `00-${trace}-${span}-01`;

let receiver: OtlpReceiver;
let bridge: BridgeProcess;
let session: string;

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  const env = {
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    OTEL_BSP_SCHEDULE_DELAY: '50',
    OTEL_SERVICE_NAME: 'sidecar-under-test',
  };
  bridge = await spawnBridge(['--log-level', 'debug', '--', ...fixtureCommand('meta-echo-server.ts')], { env });
  const opened = await post(initializeRequest(), {});
  session = opened.headers.get('mcp-session-id')!;
  await opened.text();
});
afterAll(async () => {
  await bridge.kill();
  await receiver.close();
});

const post = (body: unknown, headers: Record<string, string>) =>
  fetch(bridge.url, { method: 'POST', headers: { ...MCP_HEADERS, ...headers }, body: JSON.stringify(body) });

async function call(id: number, name: string, headers: Record<string, string>, meta?: object): Promise<JsonRpcAnswer> {
  const params = { name, arguments: {}, ...(meta ? { _meta: meta } : {}) };
  const sessionHeaders = { 'mcp-session-id': session, 'mcp-protocol-version': '2025-11-25', ...headers };
  return readAnswer(await post({ jsonrpc: '2.0', id, method: 'tools/call', params }, sessionHeaders));
}

const spanPair = (requestId: string) =>
  waitFor(
    () => {
      const server = receiver.spans.find(
        (s) => s.kind === 'SPAN_KIND_SERVER' && s.attributes['jsonrpc.request.id'] === requestId,
      );
      const client =
        server && receiver.spans.find((s) => s.kind === 'SPAN_KIND_CLIENT' && s.parentSpanId === server.spanId);
      return server && client ? { server, client } : undefined;
    },
    5_000,
    () => `no SERVER+CLIENT spans for request ${requestId}; got ${JSON.stringify(receiver.spans.map((s) => s.name))}`,
  );

const metaSeen = (answer: JsonRpcAnswer) =>
  JSON.parse((answer.result!['content'] as { text: string }[])[0]!.text) as Record<string, string>;

describe('tracing (OTEL_EXPORTER_OTLP_ENDPOINT set)', () => {
  it('SERVER span on the client traceparent header, CLIENT child for the stdio hop, context forwarded in _meta', async () => {
    const answer = await call(41, 'whoami', { traceparent: traceparent(TRACE, CLIENT_SPAN), baggage: 'tenant=a' });
    const { server, client } = await spanPair('41');
    expect(server).toMatchObject<Partial<ReceivedSpan>>({
      name: 'tools/call whoami',
      traceId: TRACE,
      parentSpanId: CLIENT_SPAN,
    });
    expect(server.attributes).toMatchObject({
      'mcp.method.name': 'tools/call',
      'gen_ai.tool.name': 'whoami',
      'gen_ai.operation.name': 'execute_tool',
      'jsonrpc.request.id': '41',
      'mcp.session.id': session,
      'mcp.protocol.version': '2025-11-25',
      'network.transport': 'tcp',
      'network.protocol.name': 'http',
      'mcp_sidecar.peer.source': 'anonymous',
    });
    expect(server.attributes).not.toHaveProperty('error.type');
    expect(client).toMatchObject({ name: 'tools/call whoami', traceId: TRACE });
    expect(client.attributes).toMatchObject({ 'mcp.method.name': 'tools/call', 'network.transport': 'pipe' });
    const meta = metaSeen(answer);
    expect(meta['traceparent']).toBe(traceparent(TRACE, client.spanId));
    expect(meta['baggage']).toBe('tenant=a');
    expect(receiver.contentTypes).toEqual(new Set(['application/x-protobuf']));
  });

  it('prefers _meta over headers (linking the header context), keeps a client _meta, marks tool errors', async () => {
    const other = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
    const meta = { traceparent: traceparent(TRACE, '1111111111111111') };
    const answer = await call(42, 'whoami', { traceparent: traceparent(other, '2222222222222222') }, meta);
    const { server } = await spanPair('42');
    expect(server).toMatchObject({ traceId: TRACE, parentSpanId: '1111111111111111' });
    expect(server.links).toEqual([{ traceId: other, spanId: '2222222222222222' }]);
    expect(metaSeen(answer)['traceparent']).toBe(meta.traceparent);
    await call(43, 'fail', {});
    const failed = (await spanPair('43')).server;
    expect(failed.attributes['error.type']).toBe('tool_error');
    expect(failed.status?.code).toBe('STATUS_CODE_ERROR');
  });

  it('log lines of a traced request carry trace_id and span_id', async () => {
    await call(44, 'whoami', { traceparent: traceparent(TRACE, CLIENT_SPAN) });
    const { server } = await spanPair('44');
    const line = bridge
      .output()
      .split('\n')
      .find((l) => l.includes('"rpc_id":') && l.includes(server.spanId));
    expect(line && JSON.parse(line)).toMatchObject({ trace_id: TRACE, span_id: server.spanId, method: 'tools/call' });
  });

  it('exports mcp.server.operation.duration on SIGTERM', async () => {
    expect(await bridge.stop('SIGTERM')).toMatchObject({ code: 0 });
    const metric = metricsOf(receiver.metrics).find((m) => m.name === 'mcp.server.operation.duration');
    expect(metric?.unit).toBe('s');
    const keys = (metric?.histogram?.dataPoints ?? []).flatMap((point) => (point.attributes ?? []).map((a) => a.key));
    expect(keys).toContain('mcp.method.name');
    expect(keys).not.toContain('jsonrpc.request.id');
    expect(keys).not.toContain('mcp.session.id');
  });
});
