// The span sender's worker thread (send-thread.ts starts it): it sends OTLP trace export requests that the bridge
// has already encoded, with the OpenTelemetry SDK's OTLP/HTTP exporter transport, configured by OTEL_EXPORTER_OTLP_*
// (headers, timeout, retries, compression, certificates) exactly as the SDK's OTLPTraceExporter is. Only bytes cross
// over, transferred, not copied. The send is here, not on the bridge's event loop, because a 200 KB POST costs that
// loop more than encoding the spans: the socket takes the body in pieces, each with its callbacks.
//
// Messages in:  { type: 'send', id, bytes, count } and { type: 'shutdown' }.
// Messages out: { type: 'ready' }, { type: 'sent', id, ok, error?, spare? }, { type: 'warn', message },
// { type: 'closed' }. After a successful send the request's ArrayBuffer goes back as `spare`, transferred, for the
// next request to be written into: a fresh 200 KB buffer per export made this thread's heap run a full mark-compact
// about once a second (its external memory grew while its own heap barely did). Only after success: the collector
// has answered, so the body was sent; a failed or timed-out request's body may still be held by its socket.

import { parentPort } from 'node:worker_threads';

import { diag } from '@opentelemetry/api';
import { ExportResultCode } from '@opentelemetry/core';
import { OTLPExporterBase } from '@opentelemetry/otlp-exporter-base';
import { convertLegacyHttpOptions, createOtlpHttpExportDelegate } from '@opentelemetry/otlp-exporter-base/node-http';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';

export type ToSender =
  | { readonly type: 'send'; readonly id: number; readonly bytes: Uint8Array; readonly count: number }
  | { readonly type: 'shutdown' };
export type FromSender =
  | { readonly type: 'ready' }
  | {
      readonly type: 'sent';
      readonly id: number;
      readonly ok: boolean;
      readonly error?: string;
      readonly spare?: ArrayBuffer;
    }
  | { readonly type: 'warn'; readonly message: string }
  | { readonly type: 'closed' };

interface Encoded {
  readonly bytes: Uint8Array;
  readonly count: number;
}

const port = parentPort!;
const post = (message: FromSender) => port.postMessage(message);

const warn = (message: string) => post({ type: 'warn', message });
const ignore = () => undefined;
diag.setLogger({ error: warn, warn, info: ignore, debug: ignore, verbose: ignore });

// OTLPTraceExporter's own construction, with a serializer that passes the encoded request through.
const serializer = {
  serializeRequest: (request: Encoded) => request.bytes,
  deserializeResponse: (data: Uint8Array) => ProtobufTraceSerializer.deserializeResponse(data),
};
const options = convertLegacyHttpOptions({}, 'TRACES', 'v1/traces', { 'Content-Type': 'application/x-protobuf' });
const counting = { name: 'span' as const, countItems: (request: Encoded) => request.count };
const exporter = new OTLPExporterBase(
  createOtlpHttpExportDelegate(options, serializer, 'otlp_http_span_exporter', counting, undefined),
);

port.on('message', (message: ToSender) => {
  if (message.type === 'shutdown') {
    void exporter.shutdown().finally(() => post({ type: 'closed' }));
    return;
  }
  const { id, bytes, count } = message;
  exporter.export({ bytes, count }, (result) => {
    if (result.code !== ExportResultCode.SUCCESS) {
      post({ type: 'sent', id, ok: false, error: result.error?.message ?? 'export failed' });
      return;
    }
    const spare = bytes.buffer as ArrayBuffer;
    port.postMessage({ type: 'sent', id, ok: true, spare } satisfies FromSender, [spare]);
  });
});
post({ type: 'ready' });
