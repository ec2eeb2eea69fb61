// The `bare-traced` row's tracing: the OpenTelemetry SDK set up as its documentation shows (a TracerProvider with a
// BatchSpanProcessor and the OTLP http/protobuf trace exporter, configured by the same OTEL_* environment as the
// bridge), making for each answered call the spans the bridge makes for an echo call: a SERVER span with the
// same attributes, and a CLIENT child span whose context is injected into a carrier, as the bridge's hop is. The
// bare server has no upstream, so the CLIENT span ends at once. No duration histogram. It shows, next to the bridge's
// tracing cost, what the standard SDK costs a server that does nothing else for the same spans.
import { context, diag, DiagLogLevel, SpanKind, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { randomUUID } from 'node:crypto';

/** The bare server has no sessions; its spans carry one id all the same, as the bridge's (one session) do. */
const SESSION_ID = randomUUID();

/** What the bare server knows of a call when it answers it. */
export interface CallFacts {
  readonly method: string;
  readonly tool: string | undefined;
  readonly id: string;
  readonly httpVersion: string;
  readonly clientAddress: string | undefined;
  readonly clientPort: number | undefined;
}

export function sdkSpans(): (call: CallFacts) => void {
  // Dropped spans and failed exports go to stderr (the bench's target log), where the runner counts drops.
  const write = (message: string) => void process.stderr.write(`${message}\n`);
  diag.setLogger({ error: write, warn: write, info: write, debug: () => {}, verbose: () => {} }, DiagLogLevel.WARN);
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'bare-traced' }),
    spanProcessors: [new BatchSpanProcessor({ exporter: new OTLPTraceExporter() })],
  });
  const tracer = provider.getTracer('bench', '1');
  const propagator = new W3CTraceContextPropagator();
  const setter = { set: (carrier: Record<string, string>, key: string, value: string) => (carrier[key] = value) };
  return (call) => {
    const name = call.tool === undefined ? call.method : `${call.method} ${call.tool}`;
    const server = tracer.startSpan(name, { kind: SpanKind.SERVER, attributes: serverAttributes(call) });
    const parent = trace.setSpan(context.active(), server);
    const client = tracer.startSpan(name, { kind: SpanKind.CLIENT, attributes: clientAttributes(call) }, parent);
    propagator.inject(trace.setSpan(parent, client), {}, setter);
    client.end();
    server.end();
  };
}

function operation({ method, tool }: CallFacts): Record<string, string> {
  if (method !== 'tools/call' || tool === undefined) return { 'mcp.method.name': method };
  return { 'mcp.method.name': method, 'gen_ai.tool.name': tool, 'gen_ai.operation.name': 'execute_tool' };
}

function serverAttributes(call: CallFacts): Record<string, string | number> {
  return {
    ...operation(call),
    'mcp.protocol.version': '2025-11-25',
    'network.transport': 'tcp',
    'network.protocol.name': 'http',
    'network.protocol.version': call.httpVersion,
    'mcp_sidecar.peer.source': 'anonymous',
    'jsonrpc.request.id': call.id,
    'mcp.session.id': SESSION_ID,
    ...(call.clientAddress === undefined ? {} : { 'client.address': call.clientAddress }),
    ...(call.clientPort === undefined ? {} : { 'client.port': call.clientPort }),
  };
}

const clientAttributes = (call: CallFacts) => ({
  ...operation(call),
  'network.transport': 'pipe',
  'jsonrpc.request.id': call.id,
});
