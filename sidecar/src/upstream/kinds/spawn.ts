// A stdio MCP server run as a child process.
//
// Spawned without a shell, in its own process group (detached), with the bridge's environment. Closing
// follows the MCP lifecycle: end stdin, then SIGTERM, then SIGKILL, always to the whole group, and once the
// child is gone the group is swept again so servers started through npx/uvx or that fork helpers leave no
// orphans behind.

import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';

import { LineReader } from '@mcp-sidecar/protocol';

import {
  CorkedWriter,
  messageReader,
  type ProcessFacet,
  type Transport,
  type TransportEnd,
  type TransportEvents,
} from '../transport.ts';

export interface ChildOptions {
  readonly command: readonly string[];
  readonly maxMessageSize: number;
  readonly maxJsonDepth?: number;
  /** Grace for each step of the close ladder (stdin EOF → SIGTERM → SIGKILL). */
  readonly graceMs?: number;
}

/** Longest stderr line kept whole in a log entry; servers sometimes dump megabytes on one line. */
const MAX_STDERR_LINE = 16 * 1024;
/** How long to wait for stdout to drain after the child exited (a grandchild may hold it open). */
const DRAIN_AFTER_EXIT_MS = 500;

export function spawnChild(options: ChildOptions, events: TransportEvents): Transport {
  return new ChildTransport(options, events);
}

class ChildTransport implements Transport, ProcessFacet {
  readonly description: string;
  readonly process: ProcessFacet = this;
  readonly #child: ChildProcessWithoutNullStreams;
  readonly #writer: CorkedWriter;
  readonly #events: TransportEvents;
  readonly #graceMs: number;
  readonly #exited: Promise<void>;
  #end: TransportEnd | undefined;

  constructor(options: ChildOptions, events: TransportEvents) {
    const [file = '', ...args] = options.command;
    this.#events = events;
    this.#graceMs = options.graceMs ?? 2_000;
    this.#child = spawn(file, args, { stdio: 'pipe', detached: true, env: process.env, shell: false });
    this.description = `pid ${this.#child.pid ?? '?'} (${options.command.join(' ').slice(0, 80)})`;
    this.#writer = new CorkedWriter(this.#child.stdin);
    // Writes after the child died fail with EPIPE; the exit handler reports the real cause.
    this.#child.stdin.on('error', () => undefined);
    this.#pipeOutput(options);
    this.#exited = this.#watchExit(file);
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  get ended(): boolean {
    return this.#end !== undefined;
  }

  send(message: Parameters<Transport['send']>[0]): void {
    if (this.#end === undefined && this.#child.stdin.writable) this.#writer.write(message);
  }

  async close(): Promise<void> {
    if (this.#end === undefined) {
      this.#child.stdin.end();
      if (!(await this.#exitedWithin(this.#graceMs))) {
        this.#signalGroup('SIGTERM');
        if (!(await this.#exitedWithin(this.#graceMs))) this.#signalGroup('SIGKILL');
      }
    }
    await this.#exited;
    await this.#sweepGroup();
  }

  #pipeOutput({ maxMessageSize, maxJsonDepth }: ChildOptions): void {
    const stdout = messageReader(maxMessageSize, this.#events, maxJsonDepth);
    this.#child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    this.#child.stdout.on('end', () => stdout.end());
    const stderr = new LineReader(MAX_STDERR_LINE, {
      onLine: (line) => this.#events.onLog(line),
      onOversize: (bytes, head) => this.#events.onLog(`${head}… (${bytes} bytes, truncated)`),
    });
    this.#child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    this.#child.stderr.on('end', () => stderr.end());
  }

  #watchExit(file: string): Promise<void> {
    return new Promise((resolve) => {
      const finish = (end: TransportEnd) => {
        if (this.#end !== undefined) return;
        this.#end = end;
        resolve();
        this.#events.onEnd(end);
        void this.#sweepGroup();
      };
      this.#child.once('error', (error: NodeJS.ErrnoException) => {
        const why = error.code === 'ENOENT' ? 'command not found' : error.message;
        // Counted as a crash: in spawn mode the command is fixed, so it will fail the same way every time.
        const description = `could not be started: cannot run "${file}": ${why}`;
        finish({ description, started: true, process: { exitCode: null, signal: null } });
      });
      this.#child.once('exit', (code, signal) => {
        const description = signal ? `process was killed by ${signal}` : `process exited with code ${code}`;
        // Let the last stdout lines (often the answer to the request in flight) be routed first.
        const drained = new Promise((done) => this.#child.stdout.once('close', done));
        void Promise.race([drained, sleep(DRAIN_AFTER_EXIT_MS)]).then(() =>
          finish({ description, started: true, process: { exitCode: code, signal } }),
        );
      });
    });
  }

  async #exitedWithin(ms: number): Promise<boolean> {
    const timer = sleep(ms).then(() => false);
    return Promise.race([this.#exited.then(() => true), timer]);
  }

  /** Signals the child's whole process group; signal 0 only asks whether the group still exists. */
  #signalGroup(signal: NodeJS.Signals | 0): boolean {
    const pid = this.#child.pid;
    if (pid === undefined) return false;
    try {
      process.kill(-pid, signal);
      return true;
    } catch {
      return false; // ESRCH: the group is already empty
    }
  }

  /** Terminates whatever is left in the child's process group (forked helpers, npx's grandchild). */
  async #sweepGroup(): Promise<void> {
    if (!this.#signalGroup('SIGTERM')) return;
    for (let waited = 0; waited < this.#graceMs; waited += 50) {
      await sleep(50);
      if (!this.#signalGroup(0)) return;
    }
    this.#signalGroup('SIGKILL');
  }
}
