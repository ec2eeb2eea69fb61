// Between the finished requests and the OTLP exporter: each request's spans are encoded as it finishes (its data
// is still in the cache then, and nothing of it is kept but bytes) into the batch being filled, and its
// mcp.server.operation.duration sample is recorded. The batch settings and behaviour are the SDK batch
// processor's (OTEL_BSP_*): the spans waiting go when they make a full batch or the schedule delay has passed, one
// export is in flight at a time (spans that gather meanwhile go together when it ends, so a batch can exceed the
// batch size after a slow export), and spans waiting plus spans in flight never exceed the queue size; past it a
// request's spans are dropped and counted, so a slow or absent collector costs spans, never memory. Drops and
// failed exports are logged at most every 10 s, with what to change.

import { type ExportResult, ExportResultCode } from '@opentelemetry/core';

import type { Logger } from '../log.ts';
import type { Env } from './enabled.ts';
import { type MessageFacts, metricKey, type Outcome, outcomeOf } from './attributes.ts';
import { encodeSpan, ProtoWriter } from './otlp-encoding.ts';
import { spanCount, spansOf } from './span-data.ts';
import type { SpanRecord } from './span-record.ts';

export interface BatchLimits {
  readonly maxQueueSize: number;
  readonly maxExportBatchSize: number;
  readonly scheduledDelayMillis: number;
}

/** What the batch drives: the exporter and the histogram (sdk.ts), or a test's stand-ins. */
export interface ExportSeam {
  /** Sends one export request with the spans `spans` holds (and takes them out of it). */
  exportSpans(spans: ProtoWriter, count: number, done: (result: ExportResult) => void): void;
  /**
   * One mcp.server.operation.duration sample, of the message these facts describe, answered with this outcome;
   * `series` is their metricKey.
   */
  recordDuration(seconds: number, facts: MessageFacts, outcome: Outcome, series: string): void;
}

export function limitsFromEnv(env: Env): BatchLimits {
  const positive = (key: string, fallback: number) => {
    const value = Number(env[key]);
    return Number.isInteger(value) && value > 0 ? value : fallback;
  };
  const maxQueueSize = positive('OTEL_BSP_MAX_QUEUE_SIZE', 2048);
  return {
    maxQueueSize,
    maxExportBatchSize: Math.min(positive('OTEL_BSP_MAX_EXPORT_BATCH_SIZE', 512), maxQueueSize),
    scheduledDelayMillis: positive('OTEL_BSP_SCHEDULE_DELAY', 5000),
  };
}

export class SpanExport {
  readonly #seam: ExportSeam;
  readonly #limits: BatchLimits;
  readonly #batch = new ProtoWriter();
  #waiting = 0;
  #inFlight: Promise<void> | undefined;
  #inFlightSpans = 0;
  #timer: NodeJS.Timeout | undefined;
  /** Spans dropped, and spans whose export failed, since they were last reported. */
  readonly problems = { dropped: 0, failed: 0, lastError: '' };

  constructor(seam: ExportSeam, limits: BatchLimits) {
    this.#seam = seam;
    this.#limits = limits;
  }

  push(record: SpanRecord): void {
    const { facts, answer } = record;
    const outcome = outcomeOf(facts.method, answer, 'server');
    // One key for the duration's series and the SERVER span's attribute group: they are the same attributes.
    const series = metricKey(facts, outcome);
    this.#seam.recordDuration((record.endMs - record.startMs) / 1000, facts, outcome, series);
    const count = spanCount(record);
    if (this.#waiting + this.#inFlightSpans + count > this.#limits.maxQueueSize) {
      this.problems.dropped += count;
      return;
    }
    for (const span of spansOf(record, outcome, series)) encodeSpan(this.#batch, span);
    this.#waiting += count;
    if (this.#waiting >= this.#limits.maxExportBatchSize) this.#exportNow();
    else this.#timer ??= setTimeout(() => this.#exportNow(), this.#limits.scheduledDelayMillis).unref();
  }

  /** Exports what is waiting; resolves when no export is in flight and nothing waits. */
  async flush(): Promise<void> {
    while (this.#inFlight || this.#waiting > 0) {
      if (this.#inFlight) await this.#inFlight;
      else this.#exportNow();
    }
  }

  /** Starts an export of everything waiting, unless one is in flight (its end starts the next). */
  #exportNow(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#inFlight || this.#waiting === 0) return;
    const count = this.#waiting;
    this.#waiting = 0;
    this.#inFlightSpans = count;
    let ended!: () => void;
    this.#inFlight = new Promise<void>((resolve) => (ended = resolve));
    // Set before the export starts: an exporter may call back at once (a full queue, a refused request).
    this.#seam.exportSpans(this.#batch, count, (result) => {
      if (result.code !== ExportResultCode.SUCCESS) {
        this.problems.failed += count;
        this.problems.lastError = result.error?.message ?? 'unknown error';
      }
      this.#inFlight = undefined;
      this.#inFlightSpans = 0;
      ended();
      if (this.#waiting >= this.#limits.maxExportBatchSize) this.#exportNow();
      else if (this.#waiting > 0) this.#timer ??= setTimeout(() => this.#exportNow(), 0).unref();
    });
  }
}

/** Logs drops and failed exports, at most once per interval, and what is left when stopped. */
export function reportProblems(batch: SpanExport, log: Logger, limits: BatchLimits, everyMs = 10_000) {
  const report = () => {
    const { dropped, failed, lastError } = batch.problems;
    if (dropped > 0) {
      log.warn(
        { dropped_spans: dropped, max_queue_size: limits.maxQueueSize },
        'tracing: dropped spans because the export queue was full (the collector is slow or unreachable); ' +
          'sample less (OTEL_TRACES_SAMPLER) or raise OTEL_BSP_MAX_QUEUE_SIZE',
      );
    }
    if (failed > 0) log.warn({ failed_spans: failed, error: lastError }, 'tracing: could not export spans');
    batch.problems.dropped = 0;
    batch.problems.failed = 0;
  };
  const timer = setInterval(report, everyMs).unref();
  return {
    stop: () => {
      clearInterval(timer);
      report();
    },
  };
}
