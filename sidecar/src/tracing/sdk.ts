// OpenTelemetry, set up from the standard OTEL_* environment. Loaded only by dynamic import when tracing is on
// (start.ts): the libraries cost about 200 ms and 20 MB to load, which a bridge with tracing off never pays.
// Spans are not SDK objects here: message-tracer.ts records plain facts, otlp-encoding.ts encodes them, and the
// OTLP exporter of @opentelemetry/otlp-exporter-base sends them, configured by OTEL_EXPORTER_OTLP_* exactly as the
// SDK's OTLPTraceExporter is (it is built the same way, with our encoder as its serializer). The meter provider,
// the resource, the sampler and the propagators are the SDK's own.

import type * as OtelApi from '@opentelemetry/api';
import type * as Resources from '@opentelemetry/resources';
import type { Resource } from '@opentelemetry/resources';
import type * as SdkTrace from '@opentelemetry/sdk-trace';
import type { Sampler } from '@opentelemetry/sdk-trace';

import type { Logger } from '../log.ts';
import type { Env } from './enabled.ts';
import type { Sampling } from './message-tracer.ts';
import { type AttributeValue, encodedMessage, encodeTraceRequest, keyValues } from './otlp-encoding.ts';
import type { ExportSeam } from './span-export.ts';

/** What the tracer (Sampling) and the span export (ExportSeam) need of OpenTelemetry. */
export interface Telemetry extends Sampling, ExportSeam {
  shutdown(): Promise<void>;
}

const BOUNDARIES = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60, 120, 300];

function samplerFromEnv(st: typeof SdkTrace, env: Env): Sampler {
  const arg = Number(env['OTEL_TRACES_SAMPLER_ARG']);
  const ratio = env['OTEL_TRACES_SAMPLER_ARG'] && arg >= 0 && arg <= 1 ? arg : 1;
  switch (env['OTEL_TRACES_SAMPLER']?.trim()) {
    case 'always_on':
      return new st.AlwaysOnSampler();
    case 'always_off':
      return new st.AlwaysOffSampler();
    case 'traceidratio':
      return new st.TraceIdRatioBasedSampler(ratio);
    case 'parentbased_always_off':
      return new st.ParentBasedSampler({ root: new st.AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new st.ParentBasedSampler({ root: new st.TraceIdRatioBasedSampler(ratio) });
    default:
      return new st.ParentBasedSampler({ root: new st.AlwaysOnSampler() }); // the spec's default
  }
}

const loadSdk = () =>
  Promise.all([
    import('@opentelemetry/api'),
    import('@opentelemetry/core'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/sdk-trace'),
    import('@opentelemetry/otlp-exporter-base'),
    import('@opentelemetry/otlp-exporter-base/node-http'),
    import('@opentelemetry/otlp-transformer'),
    import('@opentelemetry/sdk-metrics'),
    import('@opentelemetry/exporter-metrics-otlp-proto'),
  ]);
type Loaded = Awaited<ReturnType<typeof loadSdk>>;

/** Export failures and configuration the SDK cannot honour are logged, not silent. */
function reportProblems(api: typeof OtelApi, log: Logger, env: Env): void {
  const warn = (message: string) => log.warn({ component: 'otel' }, message);
  const ignore = () => undefined;
  api.diag.setLogger({ error: warn, warn, info: ignore, debug: ignore, verbose: ignore });
  const protocol = env['OTEL_EXPORTER_OTLP_TRACES_PROTOCOL'] ?? env['OTEL_EXPORTER_OTLP_PROTOCOL'];
  if (protocol && protocol.trim() !== 'http/protobuf') {
    log.warn({ protocol }, 'OTEL_EXPORTER_OTLP_PROTOCOL: only http/protobuf is supported; exporting with it');
  }
}

/** defaults < ours < OTEL_RESOURCE_ATTRIBUTES < OTEL_SERVICE_NAME (the env detector applies both). */
function resourceOf(res: typeof Resources, version: string) {
  return res
    .defaultResource()
    .merge(res.resourceFromAttributes({ 'service.name': 'mcp-sidecar', 'service.version': version }))
    .merge(res.detectResources({ detectors: [res.envDetector] }));
}

/** An export request, already encoded, and how many spans it holds. */
interface Encoded {
  readonly bytes: Uint8Array;
  readonly count: number;
}

/** The trace exporter: OTLPTraceExporter's construction, with requests encoded by otlp-encoding.ts. */
function spanExporter([, , , , base, http, transformer]: Loaded, resourceOfSpans: Resource, version: string) {
  const attributes = resourceOfSpans.attributes as Record<string, AttributeValue>;
  const resource = encodedMessage((w) => keyValues(w, 1, attributes));
  const scope = encodedMessage((w) => (w.string(1, 'mcp-sidecar'), w.string(2, version)));
  const serializer = {
    serializeRequest: (request: Encoded) => request.bytes,
    deserializeResponse: (data: Uint8Array) => transformer.ProtobufTraceSerializer.deserializeResponse(data),
  };
  const options = http.convertLegacyHttpOptions({}, 'TRACES', 'v1/traces', {
    'Content-Type': 'application/x-protobuf',
  });
  const counting = { name: 'span' as const, countItems: (request: Encoded) => request.count };
  const exporter = new base.OTLPExporterBase(
    http.createOtlpHttpExportDelegate(options, serializer, 'otlp_http_span_exporter', counting, undefined),
  );
  return {
    export: (...[spans, count, done]: Parameters<ExportSeam['exportSpans']>) =>
      exporter.export({ bytes: encodeTraceRequest(resource, scope, spans), count }, done),
    shutdown: () => exporter.shutdown(),
  };
}

function durationHistogram(
  [, core, , , , , , sm, { OTLPMetricExporter }]: Loaded,
  resource: Resource,
  env: Env,
  version: string,
) {
  const metricsOff = env['OTEL_METRICS_EXPORTER']?.trim().toLowerCase() === 'none';
  const exportIntervalMillis = core.getNumberFromEnv('OTEL_METRIC_EXPORT_INTERVAL') ?? 60_000;
  const exporter = new OTLPMetricExporter();
  const readers = metricsOff ? [] : [new sm.PeriodicExportingMetricReader({ exporter, exportIntervalMillis })];
  const meterProvider = new sm.MeterProvider({ resource, readers });
  const histogram = meterProvider.getMeter('mcp-sidecar', version).createHistogram('mcp.server.operation.duration', {
    unit: 's',
    description:
      'MCP request or notification duration as observed on the receiver, from receipt until the answer is sent.',
    advice: { explicitBucketBoundaries: BOUNDARIES },
  });
  return { histogram, meterProvider };
}

export async function startTelemetry(env: Env, version: string, log: Logger): Promise<Telemetry> {
  const loaded = await loadSdk();
  const [api, core, res, st] = loaded;
  reportProblems(api, log, env);
  const resource = resourceOf(res, version);
  const exporter = spanExporter(loaded, resource, version);
  const { histogram, meterProvider } = durationHistogram(loaded, resource, env, version);
  const baggage = new core.W3CBaggagePropagator();
  return {
    propagator: new core.CompositePropagator({ propagators: [new core.W3CTraceContextPropagator(), baggage] }),
    baggage,
    sampler: samplerFromEnv(st, env),
    recordDuration: (seconds, attributes) => histogram.record(seconds, attributes),
    exportSpans: (spans, count, done) => exporter.export(spans, count, done),
    shutdown: async () => void (await Promise.allSettled([exporter.shutdown(), meterProvider.shutdown()])),
  };
}
