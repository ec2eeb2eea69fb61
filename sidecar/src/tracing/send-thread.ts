// Starts the span sender's worker thread (send-worker.ts) and hands it the encoded export requests, transferred
// rather than copied; a request sent successfully comes back as the spare buffer the next one is written into, so
// two buffers take turns and no export allocates. At most one request is in flight (span-export.ts sends the next
// when this one is done), so nothing piles up between the threads; the worker's heap is capped besides. If the
// worker fails, the failure is logged once and every later export fails at once (counted and reported by
// span-export.ts); the bridge serves on.

import { isMarkedAsUntransferable, Worker } from 'node:worker_threads';

import { type ExportResult, ExportResultCode } from '@opentelemetry/core';

import type { Logger } from '../log.ts';
import type { FromSender, ToSender } from './send-worker.ts';

const WORKER_HEAP_MB = 64;
// Next to this module: send-worker.ts in a source checkout, send-worker.js in dist/.
const workerUrl = new URL(`./send-worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url);

export interface SpanSender {
  /**
   * Sends one encoded ExportTraceServiceRequest holding `count` spans, transferring the ArrayBuffer it is on (so
   * `bytes` is empty afterwards); `done` says how it went.
   */
  send(bytes: Uint8Array, count: number, done: (result: ExportResult) => void): void;
  /** The buffer of a request sent successfully, given back for the next request to be written into; once. */
  takeSpare(): ArrayBuffer | undefined;
  /** Lets the exporter finish what it sends, then stops the thread. */
  shutdown(): Promise<void>;
}

/** `bytes`, or a copy of them when they are on Node's shared Buffer pool, which cannot be transferred. */
const transferable = (bytes: Uint8Array): Uint8Array =>
  isMarkedAsUntransferable(bytes.buffer) ? new Uint8Array(bytes) : bytes;

class SendThread implements SpanSender {
  readonly #worker: Worker;
  readonly #log: Logger;
  readonly #pending = new Map<number, (result: ExportResult) => void>();
  #nextId = 0;
  #spare: ArrayBuffer | undefined;
  #failure: Error | undefined;
  #closed: (() => void) | undefined;

  constructor(worker: Worker, log: Logger) {
    this.#worker = worker;
    this.#log = log;
  }

  /** Resolves when the worker has its exporter ready; rejects if it fails first. */
  ready(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#worker.on('message', (message: FromSender) =>
        message.type === 'ready' ? resolve() : this.#heard(message),
      );
      this.#worker.on('error', (error: Error) => {
        reject(error);
        this.#log.error({ err: error }, 'tracing: the span sender thread failed; spans are no longer exported');
        this.#failAll(error);
      });
    });
  }

  send(bytes: Uint8Array, count: number, done: (result: ExportResult) => void): void {
    if (this.#failure) return done({ code: ExportResultCode.FAILED, error: this.#failure });
    const id = this.#nextId++;
    this.#pending.set(id, done);
    const own = transferable(bytes);
    const message: ToSender = { type: 'send', id, bytes: own, count };
    this.#worker.postMessage(message, [own.buffer as ArrayBuffer]);
  }

  takeSpare(): ArrayBuffer | undefined {
    const spare = this.#spare;
    this.#spare = undefined;
    return spare;
  }

  async shutdown(): Promise<void> {
    if (!this.#failure) {
      const closed = new Promise<void>((resolve) => (this.#closed = resolve));
      this.#worker.postMessage({ type: 'shutdown' } satisfies ToSender);
      await closed;
    }
    await this.#worker.terminate();
  }

  #heard(message: Exclude<FromSender, { type: 'ready' }>): void {
    if (message.type === 'warn') return this.#log.warn({ component: 'otel' }, message.message);
    if (message.type === 'closed') return this.#closed?.();
    const done = this.#pending.get(message.id);
    this.#pending.delete(message.id);
    this.#spare = message.spare ?? this.#spare;
    const error = message.ok ? undefined : new Error(message.error ?? 'export failed');
    done?.(error ? { code: ExportResultCode.FAILED, error } : { code: ExportResultCode.SUCCESS });
  }

  #failAll(error: Error): void {
    this.#failure ??= error;
    for (const done of this.#pending.values()) done({ code: ExportResultCode.FAILED, error });
    this.#pending.clear();
    this.#closed?.();
  }
}

export async function startSendThread(log: Logger): Promise<SpanSender> {
  const worker = new Worker(workerUrl, { resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB } });
  const thread = new SendThread(worker, log);
  await thread.ready();
  worker.unref();
  return thread;
}
