// The OpenTelemetry SDK, set up from the standard OTEL_* environment. Loaded only by dynamic import when tracing
// is on (start.ts): the SDK costs about 200 ms and 20 MB to load, which a bridge with tracing off never pays.
// SDK 3.x reads no OTEL_* variable itself except in the exporters and the resource detector, so the sampler and
// batch settings are read here, with the same mapping as @opentelemetry/sdk-node.

import type * as OtelApi from '@opentelemetry/api';
import type { Histogram, TextMapPropagator, Tracer } from '@opentelemetry/api';
import type * as Resources from '@opentelemetry/resources';
import type * as SdkTrace from '@opentelemetry/sdk-trace';

import type { Logger } from '../log.ts';

export interface Telemetry {
  readonly api: typeof OtelApi;
  readonly tracer: Tracer;
  readonly propagator: TextMapPropagator;
  /** mcp.server.operation.duration, seconds. */
  readonly duration: Histogram;
  shutdown(): Promise<void>;
}

const BOUNDARIES = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60, 120, 300];

function samplerFromEnv(st: typeof SdkTrace, env: NodeJS.ProcessEnv) {
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
    import('@opentelemetry/exporter-trace-otlp-proto'),
    import('@opentelemetry/sdk-metrics'),
    import('@opentelemetry/exporter-metrics-otlp-proto'),
  ]);

/** Export failures and configuration the SDK cannot honour are logged, not silent. */
function reportProblems(api: typeof OtelApi, log: Logger, env: NodeJS.ProcessEnv): void {
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

export async function startTelemetry(version: string, log: Logger): Promise<Telemetry> {
  const env = process.env; // the exporters and the resource detector read process.env themselves
  const [api, core, res, st, { OTLPTraceExporter }, sm, { OTLPMetricExporter }] = await loadSdk();
  reportProblems(api, log, env);
  const resource = resourceOf(res, version);
  const number = (key: string) => core.getNumberFromEnv(key); // undefined when unset or invalid: the SDK default
  const processor = new st.BatchSpanProcessor({
    exporter: new OTLPTraceExporter(),
    maxQueueSize: number('OTEL_BSP_MAX_QUEUE_SIZE'),
    maxExportBatchSize: number('OTEL_BSP_MAX_EXPORT_BATCH_SIZE'),
    scheduledDelayMillis: number('OTEL_BSP_SCHEDULE_DELAY'),
    exportTimeoutMillis: number('OTEL_BSP_EXPORT_TIMEOUT'),
  });
  const tracerProvider = new st.TracerProvider({
    resource,
    sampler: samplerFromEnv(st, env),
    spanProcessors: [processor],
  });
  const metricsOff = env['OTEL_METRICS_EXPORTER']?.trim().toLowerCase() === 'none';
  const exporter = new OTLPMetricExporter();
  const exportIntervalMillis = number('OTEL_METRIC_EXPORT_INTERVAL') ?? 60_000;
  const readers = metricsOff ? [] : [new sm.PeriodicExportingMetricReader({ exporter, exportIntervalMillis })];
  const meterProvider = new sm.MeterProvider({ resource, readers });
  const duration = meterProvider.getMeter('mcp-sidecar', version).createHistogram('mcp.server.operation.duration', {
    unit: 's',
    description:
      'MCP request or notification duration as observed on the receiver, from receipt until the answer is sent.',
    advice: { explicitBucketBoundaries: BOUNDARIES },
  });
  const propagators = [new core.W3CTraceContextPropagator(), new core.W3CBaggagePropagator()];
  return {
    api,
    tracer: tracerProvider.getTracer('mcp-sidecar', version),
    propagator: new core.CompositePropagator({ propagators }),
    duration,
    shutdown: async () => void (await Promise.allSettled([tracerProvider.shutdown(), meterProvider.shutdown()])),
  };
}
