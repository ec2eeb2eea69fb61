// A stdio MCP server run as a child process.
//
// Spawned without a shell, in its own process group (detached), with the bridge's environment. Its stdin and
// stdout are pipes, or a pseudo-terminal (pty.ts); stderr is always a pipe of its own, logged line by line. Closing
// follows the MCP lifecycle: end stdin, then SIGTERM, then SIGKILL, always to the whole group, and once the
// child is gone the group is swept again so servers started through npx/uvx or that fork helpers leave no
// orphans behind.

import { type ChildProcess, spawn, type StdioOptions } from 'node:child_process';
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';

import { type JsonRpcMessage, LineReader } from '@mcp-sidecar/protocol';

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
  /** How stdin and stdout are wired; pipes unless given. */
  readonly wiring?: ChildWiring;
  /** The child's environment; the bridge's own unless given. */
  readonly env?: NodeJS.ProcessEnv;
}

/** How a child's stdin and stdout are wired: pipes, or a pseudo-terminal (pty.ts). */
export interface ChildWiring {
  /** The stdio option of spawn() for fds 0 and 1; fd 2 is always a pipe. */
  readonly stdio: StdioOptions;
  /** Called right after spawn(), even when it failed: where to read the output and write the input. */
  attach(child: ChildProcess): ChildStreams;
}

export interface ChildStreams {
  readonly output: Readable;
  write(message: JsonRpcMessage): void;
  /** Gives the child end-of-input; false when the wiring has none (a terminal in raw mode). */
  endInput(): boolean;
  /** Frees what the wiring holds once the child is gone. */
  release(): void;
}

/** stdin and stdout as pipes; writes of one event-loop turn leave in one syscall. */
export const PIPES: ChildWiring = {
  stdio: ['pipe', 'pipe', 'pipe'],
  attach(child) {
    const stdin = child.stdin!;
    const writer = new CorkedWriter(stdin);
    // Writes after the child died fail with EPIPE; the exit handler reports the real cause.
    stdin.on('error', () => undefined);
    return {
      output: child.stdout!,
      write: (message) => {
        if (stdin.writable) writer.write(message);
      },
      endInput: () => (stdin.end(), true),
      release: () => undefined,
    };
  },
};

/** Why a command could not be run, in words that point at the fix. */
const SPAWN_ERRORS: Record<string, string> = {
  ENOENT: 'command not found (is it installed, and on PATH?)',
  EACCES: 'permission denied (is the file executable, and readable by this user?)',
};

/** Longest stderr line kept whole in a log entry; servers sometimes dump megabytes on one line. */
const MAX_STDERR_LINE = 16 * 1024;
/** How long to wait for stdout to drain after the child exited (a grandchild may hold it open). */
const DRAIN_AFTER_EXIT_MS = 500;

export function spawnChild(options: ChildOptions, events: TransportEvents): Transport {
  return new ChildTransport(options, events);
}

class ChildTransport implements Transport, ProcessFacet {
  readonly description: string;
  readonly stdio = true;
  readonly process: ProcessFacet = this;
  readonly #child: ChildProcess;
  readonly #streams: ChildStreams;
  readonly #events: TransportEvents;
  readonly #graceMs: number;
  readonly #exited: Promise<void>;
  #end: TransportEnd | undefined;

  constructor(options: ChildOptions, events: TransportEvents) {
    const [file = '', ...args] = options.command;
    this.#events = events;
    this.#graceMs = options.graceMs ?? 2_000;
    const wiring = options.wiring ?? PIPES;
    const env = options.env ?? process.env;
    this.#child = spawn(file, args, { stdio: wiring.stdio, detached: true, env, shell: false });
    const commandLine = options.command.join(' ').slice(0, 80);
    const pid = this.#child.pid;
    this.description = pid === undefined ? `${commandLine} (not started)` : `pid ${pid} (${commandLine})`;
    this.#streams = wiring.attach(this.#child);
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
    if (this.#end === undefined) this.#streams.write(message);
  }

  async close(): Promise<void> {
    if (this.#end === undefined) {
      const eof = this.#streams.endInput();
      if (!eof || !(await this.#exitedWithin(this.#graceMs))) {
        this.#signalGroup('SIGTERM');
        if (!(await this.#exitedWithin(this.#graceMs))) this.#signalGroup('SIGKILL');
      }
    }
    await this.#exited;
    await this.#sweepGroup();
  }

  #pipeOutput({ maxMessageSize, maxJsonDepth }: ChildOptions): void {
    const stdout = messageReader(maxMessageSize, this.#events, maxJsonDepth);
    const output = this.#streams.output;
    output.on('data', (chunk: Buffer) => stdout.push(chunk));
    // 'close' rather than 'end': a terminal's master side reports its end as an error (EIO), then closes.
    output.once('close', () => stdout.end());
    const stderr = new LineReader(MAX_STDERR_LINE, {
      onLine: (line) => this.#events.onLog(line),
      onOversize: (bytes, head) => this.#events.onLog(`${head}… (${bytes} bytes, truncated)`),
    });
    this.#child.stderr!.on('data', (chunk: Buffer) => stderr.push(chunk));
    this.#child.stderr!.on('end', () => stderr.end());
  }

  #watchExit(file: string): Promise<void> {
    return new Promise((resolve) => {
      const finish = (end: TransportEnd) => {
        if (this.#end !== undefined) return;
        this.#end = end;
        resolve();
        this.#streams.release();
        this.#events.onEnd(end);
        void this.#sweepGroup();
      };
      this.#child.once('error', (error: NodeJS.ErrnoException) => {
        const why = SPAWN_ERRORS[error.code ?? ''] ?? error.message;
        // Counted as a crash: in spawn mode the command is fixed, so it will fail the same way every time.
        const description = `could not be started: cannot run "${file}": ${why}`;
        finish({ description, started: true, process: { exitCode: null, signal: null } });
      });
      this.#child.once('exit', (code, signal) => {
        const description = signal ? `process was killed by ${signal}` : `process exited with code ${code}`;
        // Let the last stdout lines (often the answer to the request in flight) be routed first.
        const drained = new Promise((done) => this.#streams.output.once('close', done));
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
