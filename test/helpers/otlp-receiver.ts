// A real OTLP/HTTP receiver for tests: accepts what an OpenTelemetry exporter POSTs to /v1/traces and /v1/metrics
// (http/protobuf, gzip or not) and decodes it with the OTel proto definitions, compiled by protobufjs in
// @opentelemetry/otlp-transformer@0.216.0 (the devDependency alias `otlp-proto`; later versions dropped the decoder).
// Only its generated root.js is used, so package.json's `overrides` give its SDK dependencies the versions the
// bridge uses (whose @opentelemetry/api peer agrees), and `npm ci` has no peer conflict to warn about.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { gunzipSync } from 'node:zlib';

interface Decoder {
  decode(bytes: Uint8Array): unknown;
  toObject(message: unknown, options: object): unknown;
}
interface KeyValue {
  readonly key: string;
  readonly value?: Record<string, unknown>;
}
interface OtlpSpan {
  readonly name: string;
  readonly kind: string;
  readonly traceId?: string;
  readonly spanId?: string;
  readonly parentSpanId?: string;
  readonly attributes?: KeyValue[];
  readonly status?: { code?: string; message?: string };
  readonly links?: { traceId?: string; spanId?: string }[];
}
interface TraceRequest {
  readonly resourceSpans?: { scopeSpans?: { spans?: OtlpSpan[] }[] }[];
}
export interface OtlpMetric {
  readonly name: string;
  readonly unit?: string;
  readonly histogram?: { dataPoints?: { attributes?: KeyValue[] }[] };
}
export interface MetricRequest {
  readonly resourceMetrics?: { scopeMetrics?: { metrics?: OtlpMetric[] }[] }[];
}
type Generated = {
  opentelemetry: { proto: { collector: Record<'trace' | 'metrics', { v1: Record<string, Decoder> }> } };
};

const { collector } = (createRequire(import.meta.url)('otlp-proto/build/src/generated/root.js') as Generated)
  .opentelemetry.proto;
const DECODERS: Record<string, Decoder> = {
  '/v1/traces': collector.trace.v1['ExportTraceServiceRequest']!,
  '/v1/metrics': collector.metrics.v1['ExportMetricsServiceRequest']!,
};
const TO_OBJECT = { longs: String, enums: String, bytes: String, defaults: false, arrays: true } as const;
const hex = (base64: string | undefined) => (base64 ? Buffer.from(base64, 'base64').toString('hex') : undefined);

export interface ReceivedSpan {
  readonly name: string;
  readonly kind: string;
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string | undefined;
  readonly attributes: Record<string, unknown>;
  readonly status: { code?: string; message?: string } | undefined;
  readonly links: { traceId: string; spanId: string }[];
}

export interface OtlpReceiver {
  readonly url: string;
  readonly spans: ReceivedSpan[];
  /** Decoded metric export requests. */
  readonly metrics: MetricRequest[];
  readonly contentTypes: Set<string>;
  close(): Promise<void>;
}

/** An ExportTraceServiceRequest decoded with the OTel proto definitions, every field present (defaults filled). */
export function decodeTraceRequest(bytes: Uint8Array): unknown {
  const decoder = DECODERS['/v1/traces']!;
  return decoder.toObject(decoder.decode(bytes), { ...TO_OBJECT, defaults: true });
}

/** The spans of an ExportTraceServiceRequest, as the receiver records them. */
export function decodeSpans(bytes: Uint8Array): ReceivedSpan[] {
  const decoder = DECODERS['/v1/traces']!;
  return spansOf(decoder.toObject(decoder.decode(bytes), TO_OBJECT) as TraceRequest);
}

const value = (attribute: KeyValue): unknown => Object.values(attribute.value ?? {})[0];

function spansOf(request: TraceRequest): ReceivedSpan[] {
  return (request.resourceSpans ?? []).flatMap((rs) =>
    (rs.scopeSpans ?? []).flatMap((ss) =>
      (ss.spans ?? []).map((span) => ({
        name: span.name,
        kind: span.kind,
        traceId: hex(span.traceId)!,
        spanId: hex(span.spanId)!,
        parentSpanId: hex(span.parentSpanId),
        attributes: Object.fromEntries((span.attributes ?? []).map((kv) => [kv.key, value(kv)])),
        status: span.status,
        links: (span.links ?? []).map((link) => ({ traceId: hex(link.traceId)!, spanId: hex(link.spanId)! })),
      })),
    ),
  );
}

/** Every metric of every export received. */
export const metricsOf = (requests: readonly MetricRequest[]): OtlpMetric[] =>
  requests.flatMap((r) =>
    (r.resourceMetrics ?? []).flatMap((rm) => (rm.scopeMetrics ?? []).flatMap((sm) => sm.metrics ?? [])),
  );

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const receiver = { spans: [] as ReceivedSpan[], metrics: [] as MetricRequest[], contentTypes: new Set<string>() };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const decoder = DECODERS[req.url ?? ''];
      if (!decoder || req.method !== 'POST') return void res.writeHead(404).end();
      receiver.contentTypes.add(req.headers['content-type'] ?? '');
      const body = Buffer.concat(chunks);
      const bytes = req.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body;
      const decoded = decoder.toObject(decoder.decode(bytes), TO_OBJECT);
      if (req.url === '/v1/traces') receiver.spans.push(...spansOf(decoded as TraceRequest));
      else receiver.metrics.push(decoded as MetricRequest);
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    ...receiver,
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
