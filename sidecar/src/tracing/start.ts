// Tracing's entry point, the only tracing module the bridge imports eagerly: when the OTEL_* environment turns
// tracing on, it loads the SDK (by dynamic import) and gives the HTTP pipeline its tracing stage; otherwise it
// returns undefined having loaded nothing, and the hot path keeps its no-op trace handle.

import type { Logger } from '../log.ts';
import type { Stage } from '../http/pipeline.ts';
import { type Env, tracingEnabled } from './enabled.ts';

export interface Tracing {
  /** Hands each exchange its message tracer (and the moment it arrived). */
  readonly stage: Stage;
  /** Exports what is buffered; called on shutdown. */
  shutdown(): Promise<void>;
}

export async function startTracing(env: Env, version: string, log: Logger): Promise<Tracing | undefined> {
  if (!tracingEnabled(env)) return undefined;
  const [{ startTelemetry }, { SpanTracer }] = await Promise.all([import('./sdk.ts'), import('./message-tracer.ts')]);
  const telemetry = await startTelemetry(version, log);
  const tracer = new SpanTracer(telemetry);
  log.info('tracing on: OpenTelemetry spans and mcp.server.operation.duration exported over OTLP http/protobuf');
  return {
    stage: {
      name: 'tracing',
      run: (exchange) => {
        exchange.tracer = tracer.forExchange();
        return undefined;
      },
    },
    shutdown: () => telemetry.shutdown(),
  };
}
