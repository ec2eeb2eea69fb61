// The pod's record: events (what `kubectl describe pod` would list, plus process-level facts), probe attempts and
// container logs, all timestamped, for assertions and for the failure report a test prints.

import type { LogLine } from './process.ts';
import type { ProbeRecord } from './prober.ts';

export interface PodEvent {
  readonly time: number;
  /** Container name, or 'pod'. */
  readonly source: string;
  readonly reason: string;
  readonly message: string;
}

export interface ContainerProbeRecord extends ProbeRecord {
  readonly container: string;
}

export class PodRecord {
  readonly startedAt = Date.now();
  readonly events: PodEvent[] = [];
  readonly probes: ContainerProbeRecord[] = [];
  readonly logs: LogLine[] = [];
  readonly #listeners = new Set<(event: PodEvent) => void>();

  event(source: string, reason: string, message: string): void {
    const event = { time: Date.now(), source, reason, message };
    this.events.push(event);
    for (const listener of this.#listeners) listener(event);
  }

  /** Resolves with the first event (already recorded or future) that matches. */
  waitForEvent(match: (event: PodEvent) => boolean, timeoutMs: number, signal?: AbortSignal): Promise<PodEvent> {
    const seen = this.events.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const finish = (error: Error | undefined, event?: PodEvent) => {
        clearTimeout(timer);
        this.#listeners.delete(listener);
        signal?.removeEventListener('abort', aborted);
        if (error) reject(error);
        else resolve(event!);
      };
      const timer = setTimeout(() => finish(new Error(`no matching pod event within ${timeoutMs} ms`)), timeoutMs);
      const aborted = () => finish(new Error('the pod is terminating'));
      const listener = (event: PodEvent) => {
        if (match(event)) finish(undefined, event);
      };
      signal?.addEventListener('abort', aborted);
      this.#listeners.add(listener);
    });
  }

  logsOf(container: string): string {
    return this.logs
      .filter((line) => line.container === container)
      .map((line) => line.text)
      .join('\n');
  }

  /** Events and probe results as text, times in ms since the pod started: for failure messages. */
  describe(): string {
    const at = (time: number) => `+${String(time - this.startedAt).padStart(6)}ms`;
    const events = this.events.map((e) => `${at(e.time)} ${e.source.padEnd(18)} ${e.reason.padEnd(16)} ${e.message}`);
    const probes = this.probes.map(
      (p) => `${at(p.time)} ${p.container.padEnd(18)} ${p.kind.padEnd(9)} ${p.ok ? 'ok  ' : 'FAIL'} ${p.detail}`,
    );
    return ['events:', ...events, 'probes:', ...probes].join('\n');
  }
}
