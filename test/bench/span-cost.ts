// What a traced call's spans cost the bridge's event loop alone, away from the HTTP path:
// `npm run bench:spans [-- records]`. Pushes records of echo tools/calls (fresh ids, times and request ids, as the
// tracer makes them) through SpanExport.push (the duration sample, then both spans encoded into the batch), and
// through the encoding alone, with an export seam that only takes the batch out (no thread, no socket). Prints the
// median of 7 rounds in µs per call. In the bridge the same code costs two to three times as much (its caches are
// shared with the whole HTTP path; test/bench/README, "Profile"), so read these figures against each other.

import { metricKey, outcomeOf } from '../../sidecar/src/tracing/attributes.ts';
import { DURATION_BOUNDARIES, DurationHistogram } from '../../sidecar/src/tracing/duration-histogram.ts';
import { RandomIds } from '../../sidecar/src/tracing/ids.ts';
import { encodeSpan, ProtoWriter } from '../../sidecar/src/tracing/otlp-encoding.ts';
import { spansOf } from '../../sidecar/src/tracing/span-data.ts';
import { SpanExport } from '../../sidecar/src/tracing/span-export.ts';
import type { SpanRecord } from '../../sidecar/src/tracing/span-record.ts';
import { echoCallFacts } from '../../sidecar/test/tracing/message-facts.ts';

const RECORDS = 4096;
const calls = Number(process.argv[2] ?? 400_000);
const ids = new RandomIds();
const reuse = new ArrayBuffer(1 << 21);

function echoCall(i: number): SpanRecord {
  const facts = echoCallFacts({
    target: JSON.parse('"echo"') as string, // not a literal: the bridge's names come out of JSON.parse too
    id: i,
    sessionId: crypto.randomUUID(),
    clientPort: 40_000 + (i % 16),
  });
  const startMs = performance.timeOrigin + performance.now();
  const hop = { spanId: ids.spanId(), upstreamId: i + 1, startMs: startMs + 0.05 };
  const own = { traceId: ids.traceId(), spanId: ids.spanId(), traceFlags: 1, traceState: undefined };
  return { facts, ...own, parent: undefined, link: undefined, startMs, endMs: startMs + 0.4, hop, answer: {} };
}

const histogram = new DurationHistogram(DURATION_BOUNDARIES);
const limits = { maxQueueSize: 2048, maxExportBatchSize: 512, scheduledDelayMillis: 5000 };
const queue = new SpanExport(
  {
    exportSpans: (spans, _count, done) => (spans.take(undefined, reuse), done({ code: 0 })),
    recordDuration: (seconds, facts, outcome, series) => histogram.record(seconds, facts, outcome, series),
  },
  limits,
);
const writer = new ProtoWriter();

function encodeOnly(record: SpanRecord): void {
  const outcome = outcomeOf(record.facts.method, record.answer, 'server');
  for (const span of spansOf(record, outcome, metricKey(record.facts, outcome))) encodeSpan(writer, span);
  if (writer.length > 256 * 1024) writer.take(undefined, reuse);
}

function medianMicros(records: readonly SpanRecord[], run: (record: SpanRecord) => void): number {
  const rounds: number[] = [];
  for (let round = 0; round < 7; round++) {
    const start = performance.now();
    for (let i = 0; i < calls; i++) run(records[i % RECORDS]!);
    rounds.push(((performance.now() - start) * 1000) / calls);
  }
  return rounds.sort((a, b) => a - b)[3]!;
}

const records = Array.from({ length: RECORDS }, (_, i) => echoCall(i));
console.log(`${calls} echo tools/calls per round, median of 7 rounds, µs per call:`);
console.log(
  `  SpanExport.push (duration sample + both spans encoded): ${medianMicros(records, (r) => queue.push(r)).toFixed(2)}`,
);
console.log(
  `  both spans encoded, nothing else:                       ${medianMicros(records, encodeOnly).toFixed(2)}`,
);
