// A probe worker, as the kubelet runs one per probe of a running container: it ticks every periodSeconds from the
// container's start, skips ticks during initialDelaySeconds and (for readiness and liveness) until the container
// has started, i.e. its startupProbe succeeded; it turns the consecutive outcomes into a result with
// successThreshold/failureThreshold, and reports every attempt and every change of result.

import type { ProbeOutcome } from './probe-action.ts';
import type { Probe } from './types.ts';

export type ProbeKind = 'startup' | 'readiness' | 'liveness';

export interface ProbeRecord {
  readonly time: number;
  readonly kind: ProbeKind;
  readonly ok: boolean;
  readonly status?: number;
  readonly detail: string;
}

export interface ProberHooks {
  /** One attempt; `signal` aborts when the prober stops (an exec probe's process ends with its container). */
  readonly attempt: (signal: AbortSignal) => Promise<ProbeOutcome>;
  /** Readiness and liveness probes wait for this (the startup probe's success). */
  readonly started: () => boolean;
  readonly onRecord: (record: ProbeRecord) => void;
  /** The result changed: true after successThreshold successes in a row, false after failureThreshold failures. */
  readonly onResult: (ok: boolean, record: ProbeRecord) => void;
}

export class Prober {
  readonly #kind: ProbeKind;
  readonly #probe: Probe;
  readonly #hooks: ProberHooks;
  readonly #startedAt = Date.now();
  #timer: NodeJS.Timeout | undefined;
  #result: boolean | undefined;
  #successes = 0;
  #failures = 0;
  #busy = false;
  readonly #stopped = new AbortController();

  constructor(kind: ProbeKind, probe: Probe, hooks: ProberHooks) {
    this.#kind = kind;
    this.#probe = probe;
    this.#hooks = hooks;
  }

  start(): void {
    const periodMs = (this.#probe.periodSeconds ?? 10) * 1000;
    this.#timer = setInterval(() => void this.#tick(), periodMs);
    void this.#tick();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#stopped.abort();
  }

  async #tick(): Promise<void> {
    if (this.#busy || this.#timer === undefined) return;
    if (Date.now() - this.#startedAt < (this.#probe.initialDelaySeconds ?? 0) * 1000) return;
    const started = this.#hooks.started();
    if (this.#kind === 'startup' ? started : !started) return;
    this.#busy = true;
    try {
      const outcome = await this.#hooks.attempt(this.#stopped.signal);
      if (this.#timer !== undefined) this.#record({ time: Date.now(), kind: this.#kind, ...outcome });
    } finally {
      this.#busy = false;
    }
  }

  #record(record: ProbeRecord): void {
    this.#hooks.onRecord(record);
    if (record.ok) [this.#successes, this.#failures] = [this.#successes + 1, 0];
    else [this.#successes, this.#failures] = [0, this.#failures + 1];
    const successThreshold = this.#probe.successThreshold ?? 1;
    const failureThreshold = this.#probe.failureThreshold ?? 3;
    if (this.#result !== true && this.#successes >= successThreshold) this.#change(true, record);
    else if (this.#result !== false && this.#failures >= failureThreshold) this.#change(false, record);
  }

  #change(ok: boolean, record: ProbeRecord): void {
    this.#result = ok;
    this.#hooks.onResult(ok, record);
  }
}
