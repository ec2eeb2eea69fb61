// One traced MCP message as the tracer saw it, in plain data: when it arrived and was answered, its ids, parent and
// sampling decision, the hop to the server, and a summary of the answer. When the answer has gone out it becomes
// the message's SERVER span and the CLIENT span of the hop (span-data.ts), encoded into the batch being filled, and
// one duration sample (duration-histogram.ts); span-export.ts does both, and the record itself is not kept.

import type { JsonRpcId } from '@mcp-sidecar/protocol';

import type { AnswerSummary, MessageFacts } from './attributes.ts';

/** A span context from elsewhere: the caller's parent, or the context a link points to. */
export interface RemoteContext {
  readonly traceId: string;
  readonly spanId: string;
  readonly traceFlags: number;
}

export interface UpstreamHop {
  readonly spanId: string;
  /** The id the bridge sent the request to the server with. */
  readonly upstreamId: JsonRpcId;
  readonly startMs: number;
}

export interface SpanRecord {
  readonly facts: MessageFacts;
  readonly traceId: string;
  /** The SERVER span's id. */
  readonly spanId: string;
  readonly traceFlags: number;
  /** The W3C tracestate carried on, serialized. */
  readonly traceState: string | undefined;
  readonly parent: RemoteContext | undefined;
  /** The headers' context when _meta's was the parent and they differ. */
  readonly link: RemoteContext | undefined;
  /** Epoch milliseconds, with the fraction performance.now() gives. */
  readonly startMs: number;
  readonly endMs: number;
  /** Absent when the message never reached the server (a notification, a denied call, an answer from the bridge). */
  readonly hop: UpstreamHop | undefined;
  /** Undefined when the request got no answer (cancelled). */
  readonly answer: AnswerSummary | undefined;
}
