// Prometheus metrics (prefix mcp_sidecar_). Counters and histograms are updated where things happen; gauges
// are computed from live state at scrape time, so the hot path pays nothing for them.

import { createRequire } from 'node:module';

import type * as PromClient from 'prom-client';

// The four classes only, from their own files: prom-client's index also loads the pushgateway (HTTP client),
// summaries (t-digest), the cluster aggregator and the default process metrics, none of which the bridge uses,
// and together they cost about 19 MB of the bridge's resident memory. Types come from the package's index.
const load = createRequire(import.meta.url);
const Counter = load('prom-client/lib/counter') as typeof PromClient.Counter;
const Gauge = load('prom-client/lib/gauge') as typeof PromClient.Gauge;
const Histogram = load('prom-client/lib/histogram') as typeof PromClient.Histogram;
const Registry = load('prom-client/lib/registry') as typeof PromClient.Registry;

import type { Era } from './context.ts';

/** Methods get their own label value; anything else is "other", so clients cannot explode cardinality. */
const KNOWN_METHODS = new Set([
  'initialize',
  'ping',
  'tools/list',
  'tools/call',
  'prompts/list',
  'prompts/get',
  'resources/list',
  'resources/templates/list',
  'resources/read',
  'resources/subscribe',
  'resources/unsubscribe',
  'logging/setLevel',
  'completion/complete',
  'tasks/get',
  'tasks/result',
  'tasks/list',
  'tasks/cancel',
  'server/discover',
  'subscriptions/listen',
]);

export const methodLabel = (method: string): string => (KNOWN_METHODS.has(method) ? method : 'other');

export interface LiveState {
  sessions(): number;
  /** 2026-07-28 calls waiting for their client's input (MRTR), and open subscriptions/listen streams. */
  inputWaiting?(): number;
  listenStreams?(): number;
  inflight(): number;
  children(): number;
  poolReady(): number;
  ready(): boolean;
}

export class Metrics {
  readonly registry = new Registry();
  readonly requestDuration = new Histogram({
    name: 'mcp_sidecar_request_duration_seconds',
    help: 'Time from a client request reaching the bridge to its response leaving it, by JSON-RPC method.',
    labelNames: ['method'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10, 60],
    registers: [this.registry],
  });
  readonly sessionsStarted = counter(this.registry, 'mcp_sidecar_sessions_started_total', 'Sessions opened.', [
    'transport',
  ]);
  readonly sessionsEnded = counter(this.registry, 'mcp_sidecar_sessions_ended_total', 'Sessions ended, by reason.', [
    'reason',
  ]);
  readonly sessionsRejected = counter(
    this.registry,
    'mcp_sidecar_sessions_rejected_total',
    'Session starts refused because --max-sessions was reached.',
    [],
  );
  readonly spawns = counter(this.registry, 'mcp_sidecar_upstream_starts_total', 'Upstream connections started.', []);
  readonly exits = counter(this.registry, 'mcp_sidecar_upstream_exits_total', 'Upstream connections that ended.', [
    'expected',
  ]);
  readonly restarts = counter(this.registry, 'mcp_sidecar_upstream_restarts_total', 'Shared upstream restarts.', []);
  readonly dropped = counter(
    this.registry,
    'mcp_sidecar_messages_dropped_total',
    'Messages the bridge could not deliver, by reason (each one is also logged).',
    ['reason'],
  );
  readonly policyDenials = counter(
    this.registry,
    'mcp_sidecar_policy_denials_total',
    'Requests the access policy refused before they reached the server, by kind (tool, prompt, resource).',
    ['kind'],
  );
  readonly requests = counter(
    this.registry,
    'mcp_sidecar_requests_total',
    'Client requests, by protocol era (legacy-session: 2024-11-05 to 2025-11-25; modern: 2026-07-28) and method.',
    ['era', 'method'],
  );
  readonly inputRounds = counter(
    this.registry,
    'mcp_sidecar_input_rounds_total',
    "input_required results sent to 2026-07-28 clients for a 2025-era server's questions (MRTR rounds).",
    [],
  );
  readonly inputExpired = counter(
    this.registry,
    'mcp_sidecar_input_expired_total',
    'MRTR calls whose client did not come back within --input-timeout (the call was cancelled upstream).',
    [],
  );
  readonly inputStatesRefused = counter(
    this.registry,
    'mcp_sidecar_input_states_refused_total',
    'Retries refused for their requestState, by error code (tampered, expired, replayed, wrong replica…).',
    ['reason'],
  );
  readonly listenStarted = counter(
    this.registry,
    'mcp_sidecar_listen_streams_started_total',
    'subscriptions/listen streams opened by 2026-07-28 clients.',
    [],
  );
  /** Children of `requests` by era and method, so the hot path looks a label pair up instead of hashing it. */
  readonly #requestChildren = new Map<string, Map<string, PromClient.Counter.Internal>>();
  readonly invalidLines = counter(
    this.registry,
    'mcp_sidecar_upstream_invalid_lines_total',
    'Upstream stdout lines skipped because they were not JSON-RPC (or too long, or nested too deep).',
    ['reason'],
  );
  readonly logLinesSuppressed = counter(
    this.registry,
    'mcp_sidecar_upstream_log_lines_suppressed_total',
    "Lines of a server's stderr or non-JSON stdout counted but not logged (over --upstream-log-rate).",
    ['stream'],
  );
  readonly requestTimeouts = counter(
    this.registry,
    'mcp_sidecar_request_timeouts_total',
    'Requests the server did not answer within --request-timeout (failed to the client, cancelled upstream).',
    [],
  );
  readonly streamsEnded = counter(
    this.registry,
    'mcp_sidecar_streams_ended_total',
    'SSE streams the bridge ended itself, by reason (slow_reader: the client fell further behind than allowed).',
    ['reason'],
  );
  readonly connectionsClosed = counter(
    this.registry,
    'mcp_sidecar_connections_closed_total',
    'Client connections answered and closed before a request reached an endpoint, by reason.',
    ['reason'],
  );

  /** Counts one client request (methods outside the known list count as "other"). */
  countRequest(era: Era, method: string): void {
    let byMethod = this.#requestChildren.get(era);
    if (!byMethod) this.#requestChildren.set(era, (byMethod = new Map<string, PromClient.Counter.Internal>()));
    let child = byMethod.get(method);
    if (!child) byMethod.set(method, (child = this.requests.labels(era, methodLabel(method))));
    child.inc();
  }

  /** Registers the gauges, which read the bridge's live state at scrape time; called once it is assembled. */
  observe(live: LiveState): void {
    const registry = this.registry;
    gauge(registry, 'mcp_sidecar_sessions', 'Open sessions.', () => live.sessions());
    gauge(registry, 'mcp_sidecar_inflight_requests', 'Requests forwarded upstream and not answered yet.', () =>
      live.inflight(),
    );
    gauge(registry, 'mcp_sidecar_upstream_connections', 'Open upstream connections (child processes).', () =>
      live.children(),
    );
    gauge(registry, 'mcp_sidecar_pool_ready', 'per-session mode: warm upstreams waiting for a session.', () =>
      live.poolReady(),
    );
    gauge(registry, 'mcp_sidecar_ready', '1 when /readyz answers 200.', () => (live.ready() ? 1 : 0));
    gauge(
      registry,
      'mcp_sidecar_input_waiting',
      "2026-07-28 calls waiting for their client's input (MRTR).",
      () => live.inputWaiting?.() ?? 0,
    );
    gauge(
      registry,
      'mcp_sidecar_listen_streams',
      'Open subscriptions/listen streams.',
      () => live.listenStreams?.() ?? 0,
    );
  }
}

function counter<L extends string>(
  registry: PromClient.Registry,
  name: string,
  help: string,
  labelNames: readonly L[],
) {
  return new Counter<L>({ name, help, labelNames, registers: [registry] });
}

function gauge(registry: PromClient.Registry, name: string, help: string, read: () => number): void {
  new Gauge({
    name,
    help,
    registers: [registry],
    collect() {
      this.set(read());
    },
  });
}
