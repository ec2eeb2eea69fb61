// The OTLP encoder against the SDK's own serializer: the same spans encoded by both, decoded with the OTel proto
// definitions (test/helpers/otlp-receiver.ts), must be the same message, field by field. Spans are generated:
// any ids, times, names and attribute values (non-ASCII, long, negative and fractional numbers), parents, links,
// trace state and error status. Also: lengths past one varint byte, and a batch that outgrows the first buffer.

import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { millisToHrTime, hrTimeDuration, TraceState } from '@opentelemetry/core';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { decodeTraceRequest } from '../../../test/helpers/otlp-receiver.ts';
import {
  type AttributeValue,
  encodedMessage,
  encodeSpan,
  encodeTraceRequest,
  type KeyValueSink,
  keyValues,
  ProtoWriter,
  type SpanData,
} from '../../src/tracing/otlp-encoding.ts';

const RESOURCE_ATTRIBUTES: Record<string, AttributeValue> = {
  'service.name': 'mcp-sidecar',
  'process.pid': 4242,
  'host.arch': 'amd64',
  'deployment.négatif': -17,
  ratio: 0.25,
  on: true,
  'telemetry.sdk.names': ['a', 'b'],
};
const SCOPE = { name: 'mcp-sidecar', version: '0.1.0' };
const resource = resourceFromAttributes(RESOURCE_ATTRIBUTES);

/** A generated span: SpanData, with its attributes as an object (the SDK's form). */
type TestSpan = Omit<SpanData, 'attributes'> & { readonly attributes: Record<string, AttributeValue> };

const spanData = (s: TestSpan): SpanData => ({ ...s, attributes: (out) => keyValuesTo(out, s.attributes) });
/** The same span with its first attributes put as a group, keyed by exactly what they are (as attributes.ts keys). */
const groupedSpanData = (s: TestSpan): SpanData => {
  const entries = Object.entries(s.attributes);
  const first = Object.fromEntries(entries.slice(0, Math.ceil(entries.length / 2)));
  const rest = Object.fromEntries(entries.slice(Math.ceil(entries.length / 2)));
  const attributes = (out: KeyValueSink) => {
    out.group(JSON.stringify(first), (group) => keyValuesTo(group, first));
    keyValuesTo(out, rest);
  };
  return { ...s, attributes };
};
const keyValuesTo = (out: KeyValueSink, attributes: Record<string, AttributeValue>) => {
  for (const key in attributes) out.put(key, attributes[key]!);
};

/** The same span as the SDK's exporters see it. */
function readable(s: TestSpan): ReadableSpan {
  const traceState = s.traceState ? new TraceState(s.traceState) : undefined;
  const startTime = millisToHrTime(s.startMs);
  const endTime = millisToHrTime(s.endMs);
  return {
    name: s.name,
    kind: s.kind === 2 ? SpanKind.SERVER : SpanKind.CLIENT,
    spanContext: () => ({ traceId: s.traceId, spanId: s.spanId, traceFlags: s.traceFlags, traceState }),
    parentSpanContext: s.parentSpanId
      ? { traceId: s.traceId, spanId: s.parentSpanId, traceFlags: s.traceFlags, isRemote: s.parentRemote }
      : undefined,
    startTime,
    endTime,
    duration: hrTimeDuration(startTime, endTime),
    status: s.error === undefined ? { code: SpanStatusCode.UNSET } : { code: SpanStatusCode.ERROR, message: s.error },
    attributes: s.attributes,
    links: s.links.map((l) => ({ context: { ...l, isRemote: l.remote } })),
    events: [],
    ended: true,
    resource,
    instrumentationScope: SCOPE,
    droppedAttributesCount: 0,
    droppedEventsCount: 0,
    droppedLinksCount: 0,
  };
}

const hexId = (bytes: number) =>
  fc.uint8Array({ minLength: bytes, maxLength: bytes }).map((b) => Buffer.from(b).toString('hex'));
const text = fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 300 }));
const scalar = fc.oneof(text, fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean());
const msSince1970 = fc.double({ min: 1e12, max: 4e12, noNaN: true });

const testSpan: fc.Arbitrary<TestSpan> = fc.record({
  traceId: hexId(16),
  spanId: hexId(8),
  traceState: fc.option(fc.constantFrom('vendor=a', 'rojo=00f067aa0ba902b7,congo=t61rcWkgMzE'), { nil: undefined }),
  parentSpanId: fc.option(hexId(8), { nil: undefined }),
  parentRemote: fc.boolean(),
  name: text,
  kind: fc.constantFrom(2 as const, 3 as const),
  startMs: msSince1970,
  endMs: msSince1970,
  attributes: fc.dictionary(fc.string({ minLength: 1, maxLength: 30 }), scalar, { maxKeys: 20 }),
  links: fc.array(
    fc.record({ traceId: hexId(16), spanId: hexId(8), traceFlags: fc.constantFrom(0, 1), remote: fc.boolean() }),
    { maxLength: 2 },
  ),
  error: fc.option(text, { nil: undefined }),
  traceFlags: fc.constantFrom(0, 1),
});

function ours(writer: ProtoWriter, spans: TestSpan[], data = spanData): Uint8Array {
  for (const span of spans) encodeSpan(writer, data(span));
  return encodeTraceRequest(
    encodedMessage((w) => keyValues(w, 1, RESOURCE_ATTRIBUTES)),
    encodedMessage((w) => (w.string(1, SCOPE.name), w.string(2, SCOPE.version))),
    writer,
  );
}
const theSdks = (spans: TestSpan[]) => ProtobufTraceSerializer.serializeRequest(spans.map(readable))!;

describe('OTLP trace encoding', () => {
  it('decodes to the same ExportTraceServiceRequest as the SDK serializer, for any spans', () => {
    const writer = new ProtoWriter();
    fc.assert(
      fc.property(fc.array(testSpan, { minLength: 1, maxLength: 8 }), (spans) => {
        expect(decodeTraceRequest(ours(writer, spans))).toEqual(decodeTraceRequest(theSdks(spans)));
      }),
      { numRuns: 300 },
    );
  });

  it('encodes a batch larger than its first buffer, with multi-byte lengths, the same way', () => {
    const spans = fc.sample(testSpan, { numRuns: 600, seed: 7 });
    const bytes = ours(new ProtoWriter(), spans);
    expect(bytes.length).toBeGreaterThan(64 * 1024);
    expect(decodeTraceRequest(bytes)).toEqual(decodeTraceRequest(theSdks(spans)));
  });

  it('writes an attribute group the same when it encodes it and when it copies it, past the cache bound too', () => {
    const spans = fc.sample(testSpan, { numRuns: 40, seed: 11 });
    const expected = decodeTraceRequest(theSdks(spans));
    const writer = new ProtoWriter();
    expect(decodeTraceRequest(ours(writer, spans, groupedSpanData))).toEqual(expected); // encoded, then kept
    expect(decodeTraceRequest(ours(writer, spans, groupedSpanData))).toEqual(expected); // copied
    // Fill the cache past its bound with groups of their own; a group after that is encoded each time, still right.
    for (let i = 0; i < 5000; i++) ours(writer, [{ ...spans[0]!, attributes: { filler: i } }], groupedSpanData);
    const late = spans.map((span) => ({ ...span, attributes: { ...span.attributes, late: 'yes' } }));
    expect(decodeTraceRequest(ours(writer, late, groupedSpanData))).toEqual(decodeTraceRequest(theSdks(late)));
    expect(decodeTraceRequest(ours(writer, late, groupedSpanData))).toEqual(decodeTraceRequest(theSdks(late)));
  });

  it('writes a request into a buffer it is given when that is large enough, else into one of its own', () => {
    const spans = fc.sample(testSpan, { numRuns: 20, seed: 3 });
    const big = new ArrayBuffer(1 << 20);
    const empty = encodedMessage(() => undefined);
    const writer = new ProtoWriter();
    for (const span of spans) encodeSpan(writer, spanData(span));
    const reused = encodeTraceRequest(empty, empty, writer, big);
    expect(reused.buffer).toBe(big);
    expect(reused.byteOffset).toBe(0);
    for (const span of spans) encodeSpan(writer, spanData(span));
    const own = encodeTraceRequest(empty, empty, writer, new ArrayBuffer(8));
    expect(own.buffer.byteLength).toBe(own.byteLength + (own.byteLength >>> 3)); // room for a larger next batch
    expect(own.byteOffset).toBe(0);
    expect(Buffer.from(own)).toEqual(Buffer.from(reused));
  });
});
