// Tracing at the edge, per client message: a SERVER span from the moment the request arrived, parented on the
// trace context in params._meta (MCP's own propagation) or else the W3C headers; a CLIENT child span for the hop to
// the server, started when the router forwards the request (through the context's TraceHandle); both ended when the
// answer goes out, with the outcome's attributes, and mcp.server.operation.duration recorded. Contexts are passed
// explicitly (no global context manager, no global tracer provider). Loaded lazily with the SDK.

import type { Context, Link, Span, TextMapGetter, TextMapSetter } from '@opentelemetry/api';
import type { ClassifiedMessage, JsonRpcId, JsonRpcMessage } from '@mcp-sidecar/protocol';

import type { RequestContext, ResponseSink, TraceHandle } from '../context.ts';
import type { Exchange, MessageTracer } from '../http/pipeline.ts';
import {
  type Attributes,
  clientAttributes,
  type MessageFacts,
  metricAttributes,
  outcomeOf,
  serverAttributes,
  spanName,
  targetOf,
} from './attributes.ts';
import type { Telemetry } from './sdk.ts';

type Carrier = Record<string, unknown>;

const GETTER: TextMapGetter<Carrier> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => {
    const value = carrier[key];
    return typeof value === 'string' || Array.isArray(value) ? (value as string | string[]) : undefined;
  },
};
const SETTER: TextMapSetter<Record<string, string>> = { set: (carrier, key, value) => void (carrier[key] = value) };

function factsOf(message: ClassifiedMessage, ctx: Omit<RequestContext, 'trace'>, exchange: Exchange): MessageFacts {
  const rpc = message.message as { method: string; id?: JsonRpcId; params?: Record<string, unknown> };
  const socket = exchange.req.socket;
  return {
    method: rpc.method,
    id: message.kind === 'request' ? rpc.id : undefined,
    params: rpc.params,
    era: ctx.era,
    protocolVersion: ctx.protocolVersion,
    sessionId: ctx.sessionId,
    identity: ctx.identity,
    httpVersion: exchange.req.httpVersion,
    clientAddress: socket.remoteAddress,
    clientPort: socket.remotePort,
  };
}

export class SpanTracer {
  readonly #t: Telemetry;

  constructor(telemetry: Telemetry) {
    this.#t = telemetry;
  }

  /** A tracer for one exchange, which remembers when the request arrived. */
  forExchange(): MessageTracer {
    const receivedAt = performance.timeOrigin + performance.now();
    return { start: (message, ctx, exchange) => this.#start(message, ctx, exchange, receivedAt) };
  }

  /** The parent: `_meta`'s trace context when valid, else the headers'; both present and different → a link. */
  #parent(meta: Carrier | undefined, headers: Carrier): { parent: Context; links: Link[] } {
    const { api, propagator } = this.#t;
    const fromMeta =
      typeof meta?.['traceparent'] === 'string' ? propagator.extract(api.ROOT_CONTEXT, meta, GETTER) : undefined;
    const fromHeaders =
      headers['traceparent'] === undefined ? undefined : propagator.extract(api.ROOT_CONTEXT, headers, GETTER);
    const metaSpan = fromMeta && api.trace.getSpanContext(fromMeta);
    const headerSpan = fromHeaders && api.trace.getSpanContext(fromHeaders);
    if (metaSpan && api.isSpanContextValid(metaSpan)) {
      const linked = headerSpan && api.isSpanContextValid(headerSpan) && headerSpan.spanId !== metaSpan.spanId;
      return { parent: fromMeta, links: linked ? [{ context: headerSpan }] : [] };
    }
    return { parent: fromHeaders ?? api.ROOT_CONTEXT, links: [] };
  }

  #start(message: ClassifiedMessage, ctx: Omit<RequestContext, 'trace'>, exchange: Exchange, receivedAt: number) {
    const { api, tracer } = this.#t;
    const facts = factsOf(message, ctx, exchange);
    const name = spanName(facts.method, targetOf(facts.method, facts.params));
    const { parent, links } = this.#parent(facts.params?.['_meta'] as Carrier | undefined, exchange.req.headers);
    const attributes = serverAttributes(facts);
    const span = tracer.startSpan(
      name,
      { kind: api.SpanKind.SERVER, attributes, links, startTime: receivedAt },
      parent,
    );
    const spanContext = span.spanContext();
    const hop = { span: undefined as Span | undefined, serverContext: api.trace.setSpan(parent, span) };
    const trace: TraceHandle = {
      recording: true,
      logFields: { trace_id: spanContext.traceId, span_id: spanContext.spanId },
      upstreamHop: (upstreamId) => this.#upstreamHop(hop, name, facts, upstreamId),
    };
    const finish = (answer: JsonRpcMessage | undefined) =>
      this.#finish(span, hop.span, facts, attributes, receivedAt, answer);
    if (message.kind === 'notification') {
      finish({ jsonrpc: '2.0', result: {} } as unknown as JsonRpcMessage);
      return { trace, sink: ctx.sink };
    }
    return { trace, sink: finishing(ctx.sink, finish) };
  }

  #upstreamHop(
    hop: { span: Span | undefined; serverContext: Context },
    name: string,
    facts: MessageFacts,
    id: JsonRpcId,
  ) {
    const { api, tracer, propagator } = this.#t;
    const attributes = clientAttributes(facts, id);
    hop.span = tracer.startSpan(name, { kind: api.SpanKind.CLIENT, attributes }, hop.serverContext);
    const keys: Record<string, string> = {};
    propagator.inject(api.trace.setSpan(hop.serverContext, hop.span), keys, SETTER);
    return keys;
  }

  #finish(
    server: Span,
    client: Span | undefined,
    facts: MessageFacts,
    attributes: Attributes,
    receivedAt: number,
    answer: JsonRpcMessage | undefined,
  ): void {
    const { api, duration } = this.#t;
    if (client) {
      const upstream = outcomeOf(facts.method, answer, 'client');
      client.setAttributes(upstream.attributes);
      if (upstream.error !== undefined) client.setStatus({ code: api.SpanStatusCode.ERROR, message: upstream.error });
      client.end();
    }
    const outcome = outcomeOf(facts.method, answer, 'server');
    server.setAttributes(outcome.attributes);
    if (outcome.error !== undefined) server.setStatus({ code: api.SpanStatusCode.ERROR, message: outcome.error });
    server.end();
    const seconds = (performance.timeOrigin + performance.now() - receivedAt) / 1000;
    duration.record(seconds, metricAttributes(attributes, outcome));
  }
}

/** The request's sink, ending its spans once the answer (the final message) has gone out, or the stream ended. */
function finishing(sink: ResponseSink, finish: (answer: JsonRpcMessage | undefined) => void): ResponseSink {
  let done = false;
  return {
    deliver: (message, final) => {
      sink.deliver(message, final);
      if (final && !done) {
        done = true;
        finish(message);
      }
    },
    end: () => {
      sink.end();
      if (!done) {
        done = true;
        finish(undefined);
      }
    },
  };
}
