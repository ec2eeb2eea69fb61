// Prometheus metrics, on a registry per injector instance (tests run several in one process). The table below is
// also the README's metrics list.

import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

import { REASON_CODES, REASONS } from '../core/reasons.ts';

export const METRIC_PREFIX = 'mcp_injector_';

export const METRICS_DOC = [
  [
    'mcp_injector_reviews_total',
    'counter',
    'outcome, reason',
    'Admission reviews answered, by outcome and reason code.',
  ],
  ['mcp_injector_review_duration_seconds', 'histogram', 'outcome', 'Time from request received to response written.'],
  ['mcp_injector_internal_errors_total', 'counter', 'failure_mode', 'Exceptions inside policy, mutate or patch.'],
  [
    'mcp_injector_bad_requests_total',
    'counter',
    'status',
    'Requests refused before admission (400, 404, 405, 413, 415).',
  ],
  [
    'mcp_injector_tls_reloads_total',
    'counter',
    'result',
    'Serving certificate loads after start-up (success or failure).',
  ],
  ['mcp_injector_tls_certificate_expiry_timestamp_seconds', 'gauge', '', 'notAfter of the certificate being served.'],
  [
    'mcp_injector_ca_bundle_patches_total',
    'counter',
    'result',
    '--bootstrap-tls: caBundle patches of the webhook configuration.',
  ],
  ['mcp_injector_ca_bundle_in_sync', 'gauge', '', '--bootstrap-tls: 1 when every webhook entry carries our CA.'],
] as const;

export interface Metrics {
  readonly registry: Registry;
  readonly reviews: Counter<'outcome' | 'reason'>;
  readonly duration: Histogram<'outcome'>;
  readonly internalErrors: Counter<'failure_mode'>;
  readonly badRequests: Counter<'status'>;
  readonly tlsReloads: Counter<'result'>;
  readonly certificateExpiry: Gauge;
  readonly caBundlePatches: Counter<'result'>;
  readonly caBundleInSync: Gauge;
}

type MetricName = (typeof METRICS_DOC)[number][0];

const help = (name: MetricName): string => METRICS_DOC.find((row) => row[0] === name)?.[3] ?? name;

export function createMetrics(): Metrics {
  const registry = new Registry();
  const registers = [registry];
  collectDefaultMetrics({ register: registry, prefix: METRIC_PREFIX });
  const counter = <L extends string>(name: MetricName, labelNames: L[]) =>
    new Counter<L>({ name, help: help(name), labelNames, registers });
  const gauge = (name: MetricName) => new Gauge({ name, help: help(name), registers });
  const metrics: Metrics = {
    registry,
    reviews: counter('mcp_injector_reviews_total', ['outcome', 'reason']),
    duration: new Histogram({
      name: 'mcp_injector_review_duration_seconds',
      help: help('mcp_injector_review_duration_seconds'),
      labelNames: ['outcome'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers,
    }),
    internalErrors: counter('mcp_injector_internal_errors_total', ['failure_mode']),
    badRequests: counter('mcp_injector_bad_requests_total', ['status']),
    tlsReloads: counter('mcp_injector_tls_reloads_total', ['result']),
    certificateExpiry: gauge('mcp_injector_tls_certificate_expiry_timestamp_seconds'),
    caBundlePatches: counter('mcp_injector_ca_bundle_patches_total', ['result']),
    caBundleInSync: gauge('mcp_injector_ca_bundle_in_sync'),
  };
  // Every reason is exported from the start (at 0), so dashboards and alerts see the full set before it happens.
  for (const code of REASON_CODES) metrics.reviews.labels(REASONS[code].outcome, code).inc(0);
  return metrics;
}

export function renderMetricsMarkdown(): string {
  const rows = METRICS_DOC.map(
    ([name, type, labels, text]) => `| \`${name}\` | ${type} | ${labels || '—'} | ${text} |`,
  );
  const process = `| \`${METRIC_PREFIX}process_*\`, \`${METRIC_PREFIX}nodejs_*\` | — | — | prom-client's default process metrics. |`;
  return ['| Metric | Type | Labels | Meaning |', '| --- | --- | --- | --- |', ...rows, process].join('\n');
}
