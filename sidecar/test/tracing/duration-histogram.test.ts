// mcp.server.operation.duration as the bridge aggregates it (pure): a sample's series key tells series apart exactly
// when their attributes differ (property test), bucket bounds are inclusive as OTel's explicit buckets are, the
// series count is bounded (overflow series), delta collection starts over. And the trace and span ids it sits by.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { type AnswerSummary, collect, metricAttributes, metricKey, outcomeOf } from '../../src/tracing/attributes.ts';
import { DurationHistogram } from '../../src/tracing/duration-histogram.ts';
import { RandomIds } from '../../src/tracing/ids.ts';
import { echoCallFacts } from './message-facts.ts';

const facts = echoCallFacts;
const OK = outcomeOf('tools/call', {}, 'server');

// Few distinct characters, so that generated values often collide or run into one another.
const piece = fc.string({ unit: fc.constantFrom('a', ':', '1', '/', ' '), maxLength: 4 });
const fields = {
  method: fc.oneof(fc.constantFrom('tools/call', 'prompts/get', 'ping'), piece),
  target: fc.option(piece, { nil: undefined }),
  protocolVersion: piece,
  httpVersion: piece,
  peerSource: piece,
  answer: fc.constantFrom<(AnswerSummary | undefined)[]>(
    undefined,
    {},
    { toolError: true },
    { errorCode: -32602 },
    { errorCode: -32603 },
    { errorCode: 11 },
  ),
};
const sample = fc.record(fields);
/** Two samples, the second differing from the first in some fields only (often one), or in none. */
const pair = sample.chain((a) =>
  fc
    .record({
      method: fc.oneof(fc.constant(a.method), fields.method),
      target: fc.oneof(fc.constant(a.target), fields.target),
      protocolVersion: fc.oneof(fc.constant(a.protocolVersion), fields.protocolVersion),
      httpVersion: fc.oneof(fc.constant(a.httpVersion), fields.httpVersion),
      peerSource: fc.oneof(fc.constant(a.peerSource), fields.peerSource),
      answer: fc.oneof(fc.constant(a.answer), fields.answer),
    })
    .map((b) => [a, b] as const),
);
type Sample = typeof sample extends fc.Arbitrary<infer T> ? T : never;
const outcome = (s: Sample) => outcomeOf(s.method, s.answer, 'server');
const attributesOf = (s: Sample) => collect((out) => metricAttributes(facts(s), outcome(s), out));

describe('duration histogram', () => {
  it('keys two samples alike exactly when their metric attributes are alike', () => {
    fc.assert(
      fc.property(pair, ([a, b]) => {
        const sameKey = metricKey(facts(a), outcome(a)) === metricKey(facts(b), outcome(b));
        expect(sameKey).toBe(JSON.stringify(attributesOf(a)) === JSON.stringify(attributesOf(b)));
      }),
      { numRuns: 2000 },
    );
  });

  it('counts samples into explicit buckets (upper bound inclusive), with sum, count, min and max', () => {
    const histogram = new DurationHistogram([0.01, 0.1], 10, () => 1000);
    for (const seconds of [0.005, 0.01, 0.05, 0.1, 2]) histogram.record(seconds, facts(), OK);
    histogram.record(0.5, facts({ target: 'other' }), OK);
    const [echo, other] = histogram.collect(false);
    expect(echo).toMatchObject({ startMs: 1000, counts: [2, 2, 1], count: 5, min: 0.005, max: 2 });
    expect(echo!.sum).toBeCloseTo(2.165);
    expect(echo!.attributes).toMatchObject({ 'mcp.method.name': 'tools/call', 'gen_ai.tool.name': 'echo' });
    expect(echo!.attributes).not.toHaveProperty('jsonrpc.request.id');
    expect(other).toMatchObject({ counts: [0, 0, 1], attributes: { 'gen_ai.tool.name': 'other' } });
  });

  it('keeps at most `limit` series; later ones share the overflow series', () => {
    const histogram = new DurationHistogram([1], 2);
    for (const target of ['a', 'b', 'c', 'd', 'a']) histogram.record(0.5, facts({ target }), OK);
    const points = histogram.collect(false);
    expect(points.map((p) => [p.attributes['gen_ai.tool.name'] ?? 'overflow', p.count])).toEqual([
      ['a', 2],
      ['b', 1],
      ['overflow', 2],
    ]);
    expect(points[2]!.attributes).toEqual({ 'otel.metric.overflow': true });
  });

  it('starts over after a delta collection, and not after a cumulative one', () => {
    let now = 1000;
    const histogram = new DurationHistogram([1], 10, () => now);
    histogram.record(0.5, facts(), OK);
    expect(histogram.collect(false)[0]!.count).toBe(1);
    histogram.record(0.5, facts(), OK);
    expect(histogram.collect(true)[0]!.count).toBe(2);
    expect(histogram.collect(true)).toEqual([]);
    now = 2000;
    histogram.record(0.5, facts(), OK);
    expect(histogram.collect(true)[0]).toMatchObject({ count: 1, startMs: 2000 });
  });
});

describe('trace and span ids', () => {
  it('are lowercase hex of 16 and 8 bytes, not all zero, and do not repeat', () => {
    const ids = new RandomIds();
    const traces = Array.from({ length: 10_000 }, () => ids.traceId());
    const spans = Array.from({ length: 10_000 }, () => ids.spanId());
    for (const id of traces) expect(id).toMatch(/^[0-9a-f]{32}$/);
    for (const id of spans) expect(id).toMatch(/^[0-9a-f]{16}$/);
    expect(new Set(traces).size).toBe(traces.length);
    expect(new Set(spans).size).toBe(spans.length);
    expect(traces).not.toContain('0'.repeat(32));
  });
});
