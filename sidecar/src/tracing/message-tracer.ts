// Tracing at the edge, per client message. Only facts are recorded while the request is served: when it arrived,
// its parent (the trace context in params._meta, MCP's own propagation, else the W3C headers), the sampler's
// decision, fresh span ids, and, when the router forwards the request (through the context's TraceHandle), the
// hop's span id and the context forwarded in _meta. When the answer has gone out, the record goes to the span
// export (span-export.ts), which encodes its spans. One object per traced message (TracedMessage) is the trace
// handle, the answer's sink and the record at once: tracing costs a request as few allocations as it can.
// Contexts are passed explicitly: no global context manager.

import {
  type Context,
  isSpanContextValid,
  type Link,
  ROOT_CONTEXT,
  SpanKind,
  type SpanContext,
  type TextMapGetter,
  type TextMapPropagator,
  type TextMapSetter,
  trace,
  TraceFlags,
} from '@opentelemetry/api';
import { type Sampler, SamplingDecision } from '@opentelemetry/sdk-trace';
import type { ClassifiedMessage, JsonRpcId, JsonRpcMessage } from '@mcp-sidecar/protocol';

import type { RequestContext, ResponseSink, TraceHandle } from '../context.ts';
import type { Exchange, MessageTracer } from '../http/pipeline.ts';
import { type AnswerSummary, type MessageFacts, spanName, summarize, targetOf, uriOf } from './attributes.ts';
import type { RandomIds } from './ids.ts';
import type { RemoteContext, SpanRecord, UpstreamHop } from './span-record.ts';

type Carrier = Record<string, unknown>;

const GETTER: TextMapGetter<Carrier> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => {
    const value = carrier[key];
    return typeof value === 'string' || Array.isArray(value) ? (value as string | string[]) : undefined;
  },
};
const SETTER: TextMapSetter<Record<string, string>> = { set: (carrier, key, value) => void (carrier[key] = value) };
const NO_ATTRIBUTES = Object.freeze({});
const NO_LINKS: Link[] = [];
const now = () => performance.timeOrigin + performance.now();

function factsOf(message: ClassifiedMessage, ctx: Omit<RequestContext, 'trace'>, exchange: Exchange): MessageFacts {
  const rpc = message.message as { method: string; id?: JsonRpcId; params?: Record<string, unknown> };
  const socket = exchange.req.socket;
  return {
    method: rpc.method,
    target: targetOf(rpc.method, rpc.params),
    uri: uriOf(rpc.method, rpc.params),
    id: message.kind === 'request' ? rpc.id : undefined,
    era: ctx.era,
    protocolVersion: ctx.protocolVersion,
    sessionId: ctx.sessionId,
    peerSource: ctx.identity.source,
    peerSpiffe: ctx.identity.spiffe,
    httpVersion: exchange.req.httpVersion,
    clientAddress: socket.remoteAddress,
    clientPort: socket.remotePort,
  };
}

const plain = (span: SpanContext | undefined): RemoteContext | undefined =>
  span && { traceId: span.traceId, spanId: span.spanId, traceFlags: span.traceFlags };

interface Parent {
  /** Carries the parent span context and the baggage. */
  readonly context: Context;
  readonly span: SpanContext | undefined;
  readonly link: SpanContext | undefined;
}
/** A message with no traceparent in `_meta` or the headers (most): a new trace. */
const NO_PARENT: Parent = Object.freeze({ context: ROOT_CONTEXT, span: undefined, link: undefined });

/** What the tracer needs of OpenTelemetry: the W3C propagators and the sampler (sdk.ts). */
export interface Sampling {
  /** Trace context and baggage, to read a parent. */
  readonly propagator: TextMapPropagator;
  /** Baggage alone, to pass it on (the hop's traceparent is written here). */
  readonly baggage: TextMapPropagator;
  readonly sampler: Sampler;
}

export class SpanTracer {
  readonly #s: Sampling;
  readonly #ids: RandomIds;
  /** What a traced message is handed: one for sampled messages (their records go to export), one for the rest. */
  readonly #sampled: Hands;
  readonly #unsampled: Hands;

  constructor(sampling: Sampling, ids: RandomIds, record: (record: SpanRecord) => void) {
    this.#s = sampling;
    this.#ids = ids;
    this.#sampled = { baggage: sampling.baggage, ids, record };
    this.#unsampled = { baggage: sampling.baggage, ids, record: undefined };
  }

  /** A tracer for one exchange, which remembers when the request arrived. */
  forExchange(): MessageTracer {
    const receivedAt = now();
    return { start: (message, ctx, exchange) => this.#start(message, ctx, exchange, receivedAt) };
  }

  /** The parent: `_meta`'s trace context when valid, else the headers'; both present and different → a link. */
  #parent(meta: Carrier | undefined, headers: Carrier): Parent {
    const inMeta = typeof meta?.['traceparent'] === 'string';
    const inHeaders = headers['traceparent'] !== undefined;
    if (!inMeta && !inHeaders) return NO_PARENT;
    const { propagator } = this.#s;
    const fromMeta = inMeta ? propagator.extract(ROOT_CONTEXT, meta, GETTER) : undefined;
    const fromHeaders = inHeaders ? propagator.extract(ROOT_CONTEXT, headers, GETTER) : undefined;
    const metaSpan = fromMeta && trace.getSpanContext(fromMeta);
    const headerSpan = fromHeaders && trace.getSpanContext(fromHeaders);
    if (metaSpan && isSpanContextValid(metaSpan)) {
      const linked = headerSpan && isSpanContextValid(headerSpan) && headerSpan.spanId !== metaSpan.spanId;
      return { context: fromMeta, span: metaSpan, link: linked ? headerSpan : undefined };
    }
    const valid = headerSpan && isSpanContextValid(headerSpan) ? headerSpan : undefined;
    return { context: fromHeaders ?? ROOT_CONTEXT, span: valid, link: undefined };
  }

  /** The message's own span context, after the sampler's decision. */
  #own(parent: Parent, name: string): SpanContext {
    const traceId = parent.span?.traceId ?? this.#ids.traceId();
    const links = parent.link ? [{ context: parent.link }] : NO_LINKS;
    const decision = this.#s.sampler.shouldSample(parent.context, traceId, name, SpanKind.SERVER, NO_ATTRIBUTES, links);
    const sampled = decision.decision === SamplingDecision.RECORD_AND_SAMPLED;
    const traceFlags = sampled ? TraceFlags.SAMPLED : TraceFlags.NONE;
    return {
      traceId,
      spanId: this.#ids.spanId(),
      traceFlags,
      traceState: decision.traceState ?? parent.span?.traceState,
    };
  }

  #start(message: ClassifiedMessage, ctx: Omit<RequestContext, 'trace'>, exchange: Exchange, startMs: number) {
    const facts = factsOf(message, ctx, exchange);
    const meta = (message.message as { params?: Carrier }).params?.['_meta'] as Carrier | undefined;
    const parent = this.#parent(meta, exchange.req.headers);
    const own = this.#own(parent, spanName(facts.method, facts.target));
    const sampled = (own.traceFlags & TraceFlags.SAMPLED) !== 0;
    const hands = sampled ? this.#sampled : this.#unsampled;
    const traced = new TracedMessage(facts, parent, own, startMs, ctx.sink, hands);
    if (message.kind === 'notification') traced.finish(summarize({ jsonrpc: '2.0', result: {} } as JsonRpcMessage));
    return { trace: traced, sink: message.kind === 'notification' ? ctx.sink : traced };
  }
}

interface Hands {
  readonly baggage: TextMapPropagator;
  readonly ids: RandomIds;
  /** Where the finished record goes; undefined when the sampler said no. */
  readonly record: ((record: SpanRecord) => void) | undefined;
}

/**
 * One traced message: its trace handle, the sink its answer goes through, and, once answered, its record (so its
 * fields are SpanRecord's, declared again as a class must).
 */
class TracedMessage implements TraceHandle, ResponseSink, SpanRecord {
  readonly recording = true;
  readonly traceId: string;
  readonly spanId: string;
  readonly traceFlags: number;
  readonly traceState: string | undefined;
  readonly parent: RemoteContext | undefined;
  readonly link: RemoteContext | undefined;
  readonly facts: MessageFacts;
  readonly startMs: number;
  endMs = 0;
  hop: UpstreamHop | undefined;
  answer: AnswerSummary | undefined;
  readonly #parent: Context;
  readonly #sink: ResponseSink;
  readonly #hands: Hands;
  #done = false;

  constructor(
    facts: MessageFacts,
    parent: Parent,
    own: SpanContext,
    startMs: number,
    sink: ResponseSink,
    hands: Hands,
  ) {
    this.facts = facts;
    this.startMs = startMs;
    this.#parent = parent.context;
    this.#sink = sink;
    this.#hands = hands;
    this.traceId = own.traceId;
    this.spanId = own.spanId;
    this.traceFlags = own.traceFlags;
    this.traceState = own.traceState?.serialize();
    this.parent = plain(parent.span);
    this.link = plain(parent.link);
  }

  /** Made when a log line wants them (most traced requests log nothing). */
  get logFields(): Readonly<Record<string, string>> {
    return { trace_id: this.traceId, span_id: this.spanId };
  }

  /**
   * The hop's span id, and the W3C keys that carry it to the server: traceparent (version 00, written here: the
   * propagator would need a context object per request to write the same 55 characters), tracestate, and the
   * caller's baggage, passed on by the SDK's propagator.
   */
  upstreamHop(upstreamId: JsonRpcId): Record<string, string> {
    const spanId = this.#hands.ids.spanId();
    this.hop = { spanId, upstreamId, startMs: now() };
    const flags = this.traceFlags & TraceFlags.SAMPLED ? '01' : '00';
    const keys: Record<string, string> = { traceparent: `00-${this.traceId}-${spanId}-${flags}` };
    if (this.traceState) keys['tracestate'] = this.traceState;
    if (this.#parent !== ROOT_CONTEXT) this.#hands.baggage.inject(this.#parent, keys, SETTER);
    return keys;
  }

  deliver(message: JsonRpcMessage, final: boolean): void {
    this.#sink.deliver(message, final);
    if (final) this.finish(summarize(message));
  }

  end(): void {
    this.#sink.end();
    this.finish(undefined); // no answer: cancelled, unless the answer went out already
  }

  finish(answer: AnswerSummary | undefined): void {
    if (this.#done) return;
    this.#done = true;
    this.endMs = now();
    this.answer = answer;
    this.#hands.record?.(this);
  }
}
