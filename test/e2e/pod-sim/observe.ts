// What a test looks at from outside the pod: the process tree under a container's main process, and a sampler
// that polls an HTTP endpoint (the bridge's /readyz) and keeps every answer with its time.

import { readFileSync } from 'node:fs';

import { descendantsOf } from '../../helpers/processes.ts';
import { commandLineOf } from './cgroup.ts';

export interface ProcessInfo {
  readonly pid: number;
  readonly ppid: number;
  readonly command: string;
}

function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

/** Every live descendant of `root` with its parent and command line. */
export function processTree(root: number): ProcessInfo[] {
  return descendantsOf(root).flatMap((pid) => {
    const ppid = parentOf(pid);
    const command = commandLineOf(pid);
    return ppid === undefined || command === '' ? [] : [{ pid, ppid, command }];
  });
}

export const childrenOf = (root: number): ProcessInfo[] => processTree(root).filter((p) => p.ppid === root);

export const formatTree = (tree: readonly ProcessInfo[]): string =>
  tree.map((p) => `${p.pid} (parent ${p.ppid}): ${p.command}`).join('\n') || '(no processes)';

export interface Sample {
  /** When the request was sent and when its answer (or failure) arrived. */
  readonly sentAt: number;
  readonly receivedAt: number;
  /** HTTP status, or 0 when nothing answered (connection refused, timeout). */
  readonly status: number;
  readonly body: string;
}

/** Polls `url` every `intervalMs` until stop() is called; samples are in time order. */
export class EndpointSampler {
  readonly samples: Sample[] = [];
  readonly #url: string;
  #running = true;
  readonly #done: Promise<void>;

  constructor(url: string, intervalMs = 25) {
    this.#url = url;
    this.#done = this.#loop(intervalMs);
  }

  async #loop(intervalMs: number): Promise<void> {
    while (this.#running) {
      const sentAt = Date.now();
      const answer = await fetch(this.#url, { signal: AbortSignal.timeout(1_000) }).then(
        async (response) => ({ status: response.status, body: await response.text() }),
        () => ({ status: 0, body: '' }),
      );
      this.samples.push({ sentAt, receivedAt: Date.now(), ...answer });
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  }

  async stop(): Promise<Sample[]> {
    this.#running = false;
    await this.#done;
    return this.samples;
  }

  /** Statuses with repeats collapsed, e.g. "0 503 200", for readable assertions. */
  static timeline(samples: readonly Sample[]): string {
    return samples
      .map((s) => String(s.status))
      .filter((status, i, all) => status !== all[i - 1])
      .join(' ');
  }
}
