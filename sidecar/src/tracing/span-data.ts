// A span record (span-record.ts) as the spans it stands for: the SERVER span of the message and, when it reached
// the server, the CLIENT span of the hop, with the semantic conventions' attributes and status (attributes.ts);
// and the attributes of its mcp.server.operation.duration sample. Pure.

import {
  type Attributes,
  clientAttributes,
  metricAttributes,
  outcomeOf,
  serverAttributes,
  spanName,
} from './attributes.ts';
import type { LinkData, SpanData } from './otlp-encoding.ts';
import type { SpanRecord } from './span-record.ts';

const SERVER = 2;
const CLIENT = 3;
const NO_LINKS: readonly LinkData[] = Object.freeze([]);

export interface RecordSpans {
  readonly spans: readonly SpanData[];
  readonly metricAttributes: Attributes;
}

/** The span's attributes and its outcome's (a fresh object only when the outcome adds any). */
const withOutcome = (attributes: Attributes, outcome: Attributes): Attributes => {
  for (const _ in outcome) return { ...attributes, ...outcome };
  return attributes;
};

export function spansOf(record: SpanRecord): RecordSpans {
  const { facts, answer } = record;
  const name = spanName(facts.method, facts.target);
  const outcome = outcomeOf(facts.method, answer, 'server');
  const attributes = serverAttributes(facts);
  const links = record.link ? [{ ...record.link, remote: true }] : NO_LINKS;
  const server: SpanData = {
    traceId: record.traceId,
    spanId: record.spanId,
    traceState: record.traceState,
    parentSpanId: record.parent?.spanId,
    parentRemote: record.parent !== undefined,
    name,
    kind: SERVER,
    startMs: record.startMs,
    endMs: record.endMs,
    attributes: withOutcome(attributes, outcome.attributes),
    links,
    error: outcome.error,
    traceFlags: record.traceFlags,
  };
  const metric = metricAttributes(attributes, outcome);
  const { hop } = record;
  if (!hop) return { spans: [server], metricAttributes: metric };
  const upstream = outcomeOf(facts.method, answer, 'client');
  const client: SpanData = {
    ...server,
    spanId: hop.spanId,
    parentSpanId: record.spanId,
    parentRemote: false,
    kind: CLIENT,
    startMs: hop.startMs,
    attributes: withOutcome(clientAttributes(facts, hop.upstreamId), upstream.attributes),
    links: NO_LINKS,
    error: upstream.error,
  };
  return { spans: [server, client], metricAttributes: metric };
}
