// Tracing's entry point, the only tracing module the bridge imports eagerly: when the OTEL_* environment turns
// tracing on, it loads OpenTelemetry and the tracer (by dynamic import) and gives the HTTP pipeline its tracing
// stage; otherwise it returns undefined having loaded nothing, and the hot path keeps its no-op trace handle.

import type { Logger } from '../log.ts';
import type { Stage } from '../http/pipeline.ts';
import { type Env, tracingEnabled } from './enabled.ts';

export interface Tracing {
  /** Hands each exchange its message tracer (and the moment it arrived). */
  readonly stage: Stage;
  /** Exports what is queued (bounded by the exporter's timeout); called on shutdown. */
  shutdown(): Promise<void>;
}

/** How long shutdown waits for the last exports (a live timer, so the process stays up for them meanwhile). */
const SHUTDOWN_MS = 10_000;

export async function startTracing(env: Env, version: string, log: Logger): Promise<Tracing | undefined> {
  if (!tracingEnabled(env)) return undefined;
  const [{ startTelemetry }, { SpanTracer }, { RandomIds }, { SpanExport, limitsFromEnv, reportProblems }] =
    await Promise.all([
      import('./sdk.ts'),
      import('./message-tracer.ts'),
      import('./ids.ts'),
      import('./span-export.ts'),
    ]);
  const telemetry = await startTelemetry(env, version, log);
  const limits = limitsFromEnv(env);
  const queue = new SpanExport(telemetry, limits);
  const reporting = reportProblems(queue, log, limits);
  const tracer = new SpanTracer(telemetry, new RandomIds(), (record) => queue.push(record));
  log.info('tracing on: OpenTelemetry spans and mcp.server.operation.duration exported over OTLP http/protobuf');
  return {
    stage: {
      name: 'tracing',
      run: (exchange) => {
        exchange.tracer = tracer.forExchange();
        return undefined;
      },
    },
    shutdown: async () => {
      let timer: NodeJS.Timeout | undefined;
      const bound = new Promise<void>((resolve) => (timer = setTimeout(resolve, SHUTDOWN_MS)));
      await Promise.race([queue.flush().then(() => telemetry.shutdown()), bound]);
      clearTimeout(timer);
      reporting.stop();
    },
  };
}
