// OpenTelemetry, set up from the standard OTEL_* environment. Loaded only by dynamic import when tracing is on
// (start.ts): the libraries cost about 200 ms and 20 MB to load, which a bridge with tracing off never pays.
// Spans are not SDK objects here: message-tracer.ts records plain facts, otlp-encoding.ts encodes them into export
// requests, and a worker thread sends those (send-thread.ts) with the OTLP exporter transport of
// @opentelemetry/otlp-exporter-base, configured by OTEL_EXPORTER_OTLP_* as the SDK's OTLPTraceExporter is. The
// duration histogram is aggregated by duration-histogram.ts and collected by the SDK's metric reader through its
// MetricProducer seam.
// The meter provider, the metric exporter, the resource, the sampler and the propagators are the SDK's own.

import type * as OtelApi from '@opentelemetry/api';
import type * as Resources from '@opentelemetry/resources';
import type { Resource } from '@opentelemetry/resources';
import type * as SdkTrace from '@opentelemetry/sdk-trace';
import type { Sampler } from '@opentelemetry/sdk-trace';
import type { CollectionResult, HistogramMetricData, MetricProducer } from '@opentelemetry/sdk-metrics';

import type { Logger } from '../log.ts';
import { DURATION_BOUNDARIES, DurationHistogram } from './duration-histogram.ts';
import type { Env } from './enabled.ts';
import type { Sampling } from './message-tracer.ts';
import { startSendThread } from './send-thread.ts';
import { type AttributeValue, encodedMessage, encodeTraceRequest, keyValues } from './otlp-encoding.ts';
import type { ExportSeam } from './span-export.ts';

/** What the tracer (Sampling) and the span export (ExportSeam) need of OpenTelemetry. */
export interface Telemetry extends Sampling, ExportSeam {
  shutdown(): Promise<void>;
}

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

/** Export requests around the spans of a batch, sent by the sender thread. */
async function spanExporter(resourceOfSpans: Resource, version: string, log: Logger) {
  const attributes = resourceOfSpans.attributes as Record<string, AttributeValue>;
  const resource = encodedMessage((w) => keyValues(w, 1, attributes));
  const scope = encodedMessage((w) => (w.string(1, 'mcp-sidecar'), w.string(2, version)));
  const sender = await startSendThread(log);
  return {
    export: (...[spans, count, done]: Parameters<ExportSeam['exportSpans']>) =>
      sender.send(encodeTraceRequest(resource, scope, spans, sender.takeSpare()), count, done),
    shutdown: () => sender.shutdown(),
  };
}

/** Who emits the telemetry: the resource, and the bridge's version (the instrumentation scope's). */
interface Origin {
  readonly resource: Resource;
  readonly version: string;
}

/** mcp.server.operation.duration's series as the SDK's metric reader collects them. */
function durationProducer(loaded: Loaded, histogram: DurationHistogram, delta: boolean, from: Origin) {
  const [api, core, , , sm] = loaded;
  const descriptor = {
    name: 'mcp.server.operation.duration',
    unit: 's',
    description:
      'MCP request or notification duration as observed on the receiver, from receipt until the answer is sent.',
    valueType: api.ValueType.DOUBLE,
  };
  const { resource, version } = from;
  const scope = { name: 'mcp-sidecar', version };
  const boundaries = [...histogram.boundaries];
  return {
    collect: (): Promise<CollectionResult> => {
      const endTime = core.millisToHrTime(Date.now());
      const dataPoints = histogram.collect(delta).map(({ attributes, startMs, counts, sum, count, min, max }) => {
        const value = { buckets: { boundaries, counts }, sum, count, min, max };
        return { attributes, startTime: core.millisToHrTime(startMs), endTime, value };
      });
      const temporality = delta ? sm.AggregationTemporality.DELTA : sm.AggregationTemporality.CUMULATIVE;
      const metric: HistogramMetricData = {
        descriptor,
        aggregationTemporality: temporality,
        dataPointType: sm.DataPointType.HISTOGRAM,
        dataPoints,
      };
      const metrics = dataPoints.length === 0 ? [] : [metric];
      return Promise.resolve({ resourceMetrics: { resource, scopeMetrics: [{ scope, metrics }] }, errors: [] });
    },
  } satisfies MetricProducer;
}

/** The duration histogram and the meter provider that exports it; no histogram when OTEL_METRICS_EXPORTER=none. */
function durationMetric(loaded: Loaded, from: Origin, env: Env) {
  const [, core, , , sm, { OTLPMetricExporter }] = loaded;
  if (env['OTEL_METRICS_EXPORTER']?.trim().toLowerCase() === 'none') return { histogram: undefined, shutdown: noop };
  const histogram = new DurationHistogram(DURATION_BOUNDARIES);
  const exporter = new OTLPMetricExporter();
  const delta = exporter.selectAggregationTemporality(sm.InstrumentType.HISTOGRAM) === sm.AggregationTemporality.DELTA;
  const reader = new sm.PeriodicExportingMetricReader({
    exporter,
    exportIntervalMillis: core.getNumberFromEnv('OTEL_METRIC_EXPORT_INTERVAL') ?? 60_000,
    metricProducers: [durationProducer(loaded, histogram, delta, from)],
  });
  const meterProvider = new sm.MeterProvider({ resource: from.resource, readers: [reader] });
  return { histogram, shutdown: () => meterProvider.shutdown() };
}

const noop = () => Promise.resolve();

export async function startTelemetry(env: Env, version: string, log: Logger): Promise<Telemetry> {
  const loaded = await loadSdk();
  const [api, core, res, st] = loaded;
  reportProblems(api, log, env);
  const resource = resourceOf(res, version);
  const exporter = await spanExporter(resource, version, log);
  const metric = durationMetric(loaded, { resource, version }, env);
  const baggage = new core.W3CBaggagePropagator();
  return {
    propagator: new core.CompositePropagator({ propagators: [new core.W3CTraceContextPropagator(), baggage] }),
    baggage,
    sampler: samplerFromEnv(st, env),
    recordDuration: (seconds, facts, outcome, series) => metric.histogram?.record(seconds, facts, outcome, series),
    exportSpans: (spans, count, done) => exporter.export(spans, count, done),
    shutdown: async () => void (await Promise.allSettled([exporter.shutdown(), metric.shutdown()])),
  };
}
