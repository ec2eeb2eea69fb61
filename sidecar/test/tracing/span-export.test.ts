// The span queue between finished requests and the exporter: batches by size and by delay, one export in flight,
// a hard bound on spans waiting plus in flight (drops counted, never queued), failed exports counted, exporters that
// call back at once, a flush that ends, and every span's own attributes when repeated attribute groups are copied
// from the encoder's cache. The exports are decoded with the OTel proto definitions.

import type { ExportResult } from '@opentelemetry/core';
import { describe, expect, it } from 'vitest';

import { decodeSpans, decodeTraceRequest, type ReceivedSpan } from '../../../test/helpers/otlp-receiver.ts';
import {
  type AnswerSummary,
  clientAttributes,
  collect,
  outcomeOf,
  serverAttributes,
} from '../../src/tracing/attributes.ts';
import { encodedMessage, encodeTraceRequest, type ProtoWriter } from '../../src/tracing/otlp-encoding.ts';
import { type BatchLimits, type ExportSeam, limitsFromEnv, SpanExport } from '../../src/tracing/span-export.ts';
import type { SpanRecord } from '../../src/tracing/span-record.ts';
import { echoCallFacts } from './message-facts.ts';

const record = (id: number, hop = true, facts = echoCallFacts({ id }), answer: AnswerSummary = {}): SpanRecord => ({
  facts,
  traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
  spanId: (0x1000 + id).toString(16).padStart(16, '0'),
  traceFlags: 1,
  traceState: undefined,
  parent: undefined,
  link: undefined,
  startMs: 1.7e12,
  endMs: 1.7e12 + 2.5,
  hop: hop ? { spanId: (0x9000 + id).toString(16).padStart(16, '0'), upstreamId: id, startMs: 1.7e12 + 1 } : undefined,
  answer,
});

const EMPTY = encodedMessage(() => undefined);
type Decoded = { resourceSpans: { scopeSpans: { spans: { name: string }[] }[] }[] };
const spanCount = (bytes: Uint8Array) =>
  (decodeTraceRequest(bytes) as Decoded).resourceSpans[0]!.scopeSpans[0]!.spans.length;

/** A seam whose exports end when the test says so (or at once), remembering what they carried. */
function seam(options: { sync?: ExportResult } = {}) {
  const exports: { spans: number; count: number; done: (r: ExportResult) => void }[] = [];
  const durations: number[] = [];
  const it: ExportSeam = {
    exportSpans: (spans: ProtoWriter, count, done) => {
      exports.push({ spans: spanCount(encodeTraceRequest(EMPTY, EMPTY, spans)), count, done });
      if (options.sync) done(options.sync);
    },
    recordDuration: (seconds) => durations.push(seconds),
  };
  return { it, exports, durations };
}

const limits = (overrides: Partial<BatchLimits> = {}): BatchLimits => ({
  maxQueueSize: 8,
  maxExportBatchSize: 4,
  scheduledDelayMillis: 20,
  ...overrides,
});

describe('span export queue', () => {
  it('exports a full batch at once and a partial one after the delay; records one duration per request', async () => {
    const s = seam();
    const queue = new SpanExport(s.it, limits());
    queue.push(record(1));
    expect(s.exports).toHaveLength(0);
    queue.push(record(2));
    expect(s.exports.map((e) => [e.spans, e.count])).toEqual([[4, 4]]);
    s.exports[0]!.done({ code: 0 });
    queue.push(record(3, false));
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(s.exports.map((e) => e.spans)).toEqual([4, 1]);
    expect(s.durations).toEqual([0.0025, 0.0025, 0.0025]);
  });

  it('drops and counts spans past the queue size while an export hangs; exports the rest once it ends', async () => {
    const s = seam();
    const queue = new SpanExport(s.it, limits());
    for (let id = 1; id <= 6; id++) queue.push(record(id)); // 2 batches of 4 would be 12 spans; the bound is 8
    expect(s.exports).toHaveLength(1); // the second full batch waits for the first
    expect(queue.problems.dropped).toBe(4);
    s.exports[0]!.done({ code: 1, error: new Error('collector said 503') });
    expect(queue.problems).toMatchObject({ failed: 4, lastError: 'collector said 503' });
    expect(s.exports.map((e) => e.spans)).toEqual([4, 4]);
    s.exports[1]!.done({ code: 0 });
    await queue.flush();
  });

  it('works with an exporter that calls back before returning, and flush ends', async () => {
    const s = seam({ sync: { code: 0 } });
    const queue = new SpanExport(s.it, limits());
    for (let id = 1; id <= 5; id++) queue.push(record(id));
    await queue.flush();
    expect(s.exports.map((e) => e.spans)).toEqual([4, 4, 2]);
    expect(queue.problems.dropped).toBe(0);
  });

  it('reads OTEL_BSP_* like the SDK, ignoring values that are not positive integers', () => {
    expect(limitsFromEnv({})).toEqual({ maxQueueSize: 2048, maxExportBatchSize: 512, scheduledDelayMillis: 5000 });
    const env = { OTEL_BSP_MAX_QUEUE_SIZE: '100', OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '500', OTEL_BSP_SCHEDULE_DELAY: 'x' };
    expect(limitsFromEnv(env)).toEqual({ maxQueueSize: 100, maxExportBatchSize: 100, scheduledDelayMillis: 5000 });
  });

  it('gives every span its own attributes when their repeated groups are copied, not encoded again', () => {
    const spans: ReceivedSpan[] = [];
    const capture: ExportSeam = {
      exportSpans: (writer, _count, done) => {
        spans.push(...decodeSpans(encodeTraceRequest(EMPTY, EMPTY, writer)));
        done({ code: 0 });
      },
      recordDuration: () => undefined,
    };
    const queue = new SpanExport(capture, limits({ maxQueueSize: 100, maxExportBatchSize: 1 }));
    // Calls that differ in one thing the groups are keyed on, each twice (the second copies the first's group).
    const calls: [Partial<Parameters<typeof echoCallFacts>[0]>, AnswerSummary][] = [
      [{}, {}],
      [{ target: 'other' }, {}],
      [{}, { toolError: true }],
      [{}, { errorCode: -32602, errorMessage: 'bad' }],
      [{}, { errorCode: -32000, errorMessage: 'down' }],
      [{ method: 'prompts/get', target: 'p' }, {}],
      [{ method: 'prompts/get', target: 'q' }, {}],
      [{ protocolVersion: '2025-06-18' }, {}],
      [{ peerSource: 'jwt' }, {}],
      [{ httpVersion: '2.0' }, {}],
    ];
    const records = [...calls, ...calls].map(([overrides, answer], i) =>
      record(i, true, echoCallFacts({ id: i, clientPort: 5000 + i, ...overrides }), answer),
    );
    for (const r of records) queue.push(r);
    const text = (attributes: Record<string, unknown>) =>
      Object.fromEntries(Object.entries(attributes).map(([key, value]) => [key, String(value)]));
    expect(spans.map((span) => text(span.attributes))).toEqual(
      records.flatMap((r) => [
        text(collect((out) => serverAttributes(r.facts, outcomeOf(r.facts.method, r.answer, 'server'), out))),
        text(
          collect((out) =>
            clientAttributes(r.facts, r.hop!.upstreamId, outcomeOf(r.facts.method, r.answer, 'client'), out),
          ),
        ),
      ]),
    );
  });
});
