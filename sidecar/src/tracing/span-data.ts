// A span record (span-record.ts) as the spans it stands for: the SERVER span of the message and, when it reached
// the server, the CLIENT span of the hop, with the semantic conventions' attributes and status (attributes.ts).
// The attributes are put when the span is encoded, straight into the request. Pure.

import {
  type AttributeSink,
  clientAttributes,
  type Outcome,
  outcomeOf,
  serverAttributes,
  spanName,
} from './attributes.ts';
import type { LinkData, SpanData } from './otlp-encoding.ts';
import type { SpanRecord } from './span-record.ts';

const SERVER = 2;
const CLIENT = 3;
const NO_LINKS: readonly LinkData[] = Object.freeze([]);

/** How many spans a record stands for (spansOf's length), known before they are built. */
export const spanCount = (record: SpanRecord): 1 | 2 => (record.hop ? 2 : 1);

/**
 * The record's spans; `outcome` is its answer's outcome on the server side (outcomeOf) and `series` their metricKey,
 * which the caller has.
 */
export function spansOf(record: SpanRecord, outcome: Outcome, series: string): readonly SpanData[] {
  const { facts, answer } = record;
  const server: SpanData = {
    traceId: record.traceId,
    spanId: record.spanId,
    traceState: record.traceState,
    parentSpanId: record.parent?.spanId,
    parentRemote: record.parent !== undefined,
    name: spanName(facts.method, facts.target),
    kind: SERVER,
    startMs: record.startMs,
    endMs: record.endMs,
    attributes: (out: AttributeSink) => serverAttributes(facts, outcome, out, series),
    links: record.link ? [{ ...record.link, remote: true }] : NO_LINKS,
    error: outcome.error,
    traceFlags: record.traceFlags,
  };
  const { hop } = record;
  if (!hop) return [server];
  const upstream = outcomeOf(facts.method, answer, 'client');
  const client: SpanData = {
    ...server,
    spanId: hop.spanId,
    parentSpanId: record.spanId,
    parentRemote: false,
    kind: CLIENT,
    startMs: hop.startMs,
    attributes: (out: AttributeSink) => clientAttributes(facts, hop.upstreamId, upstream, out),
    links: NO_LINKS,
    error: upstream.error,
  };
  return [server, client];
}
