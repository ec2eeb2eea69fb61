// --pty: the spawned server's stdin and stdout are a pseudo-terminal instead of pipes, for servers that block-buffer
// their output unless it is a terminal (Python's print(), C stdio, many CLI wrappers). The terminal comes from
// @lydell/node-pty's native openpty (an optional dependency: prebuilt for Linux and macOS); the server is spawned by
// node itself like any child (own process group, no shell), with the terminal's slave side as fds 0 and 1 and a
// pipe as fd 2, so its log never mixes into the protocol stream. Raw mode is set before the server starts: no echo,
// no line editing (no 4095-byte line limit), no signal or flow-control characters, input bytes unchanged. libuv's
// raw mode leaves output processing on, so each line the server writes arrives ending in \r\n, which the framing
// strips; a JSON-RPC message cannot contain a raw newline, so nothing else changes.

import type { StdioOptions } from 'node:child_process';
import { closeSync, write } from 'node:fs';
import { createRequire } from 'node:module';
import { ReadStream } from 'node:tty';

import type { JsonRpcMessage } from '@mcp-sidecar/protocol';

import { errorText } from '../../errors.ts';
import type { ChildWiring } from './spawn.ts';

export const PTY_PACKAGE = '@lydell/node-pty';

/** The part of node-pty's native binding the bridge uses. */
export interface PtyBinding {
  open(columns: number, rows: number): { master: number; slave: number; pty: string };
}

/** Wide, so a library that formats to the terminal's width does not wrap long lines. */
const COLUMNS = 4096;
const ROWS = 24;

/** node-pty's binding, or one sentence saying why it cannot be loaded and how to fix that. */
export function loadPty(pkg: string = PTY_PACKAGE): { binding: PtyBinding } | { problem: string } {
  const fix = `install it with "npm install ${pkg}" (npm leaves it out under --omit=optional), or run without --pty (for a Python server, PYTHONUNBUFFERED=1 is enough)`;
  if (process.platform === 'win32') return { problem: '--pty is not supported on Windows; run without --pty' };
  try {
    const require = createRequire(import.meta.url);
    const loader = require(`${pkg}/requireBinary.js`) as { requireBinary(file: string): PtyBinding };
    const binding = loader.requireBinary('pty.node');
    if (typeof binding.open !== 'function') throw new Error('its native binding has no open()');
    return { binding };
  } catch (error) {
    const why = errorText(error).split('\n')[0]!.trim();
    return { problem: `--pty needs the optional package ${pkg}, which could not be loaded (${why}); ${fix}` };
  }
}

/**
 * The master sides open in this process. node-pty opens them without close-on-exec and node cannot set it, so every
 * child would inherit them all, and a server could read or write another session's terminal. Each child gets its
 * own slave side in those descriptor slots instead (see stdioFor).
 */
const openMasters = new Set<number>();

/** fds 0 and 1 the slave side, fd 2 a pipe, and every open master's slot overwritten with the slave side too. */
function stdioFor(slave: number): StdioOptions {
  const stdio: (number | 'pipe' | 'ignore')[] = [slave, slave, 'pipe'];
  for (const master of openMasters) {
    while (stdio.length < master) stdio.push('ignore'); // 'ignore' above fd 2 leaves the slot as it is
    stdio[master] = slave;
  }
  return stdio;
}

/** A fresh raw terminal per server: the slave side for the child, the master side for the bridge. */
export function terminalWiring(binding: PtyBinding): ChildWiring {
  const { master, slave } = binding.open(COLUMNS, ROWS);
  openMasters.add(master);
  const output = new ReadStream(master);
  output.once('close', () => openMasters.delete(master));
  // On Linux the terminal's modes are shared by both sides, so this makes the server's side raw.
  output.setRawMode(true);
  // EIO once the server and everything that inherited its terminal are gone: that is the end of its output.
  output.on('error', () => undefined);
  return {
    stdio: stdioFor(slave),
    attach: () => {
      closeSync(slave); // the child has its copy; ours would keep the terminal from ever reporting the end
      const writer = new TerminalWriter(master);
      return {
        output,
        write: (message) => writer.write(message),
        endInput: () => false, // a raw terminal has no end-of-file to give
        release: () => writer.close(() => output.destroy()),
      };
    },
  };
}

/**
 * Writes to the master side without blocking the event loop: node's own tty writes block, which would deadlock
 * with a server that is itself waiting for us to read its output. The descriptor is non-blocking, so a full
 * terminal buffer answers EAGAIN and the write is retried shortly; the queue holds only what the router sent.
 */
class TerminalWriter {
  readonly #fd: number;
  #queue: Buffer[] = [];
  #writing = false;
  #closed = false;
  #idle: (() => void) | undefined;
  #backoffMs = 0;

  constructor(fd: number) {
    this.#fd = fd;
  }

  write(message: JsonRpcMessage): void {
    if (this.#closed) return;
    this.#queue.push(Buffer.from(`${JSON.stringify(message)}\n`));
    if (!this.#writing) this.#drain();
  }

  /** Stops writing; `idle` runs once no write is under way (only then may the descriptor be closed). */
  close(idle: () => void): void {
    this.#closed = true;
    this.#queue = [];
    if (this.#writing) this.#idle = idle;
    else idle();
  }

  #drain(): void {
    const head = this.#queue[0];
    if (!head || this.#closed) return this.#stop();
    this.#writing = true;
    write(this.#fd, head, 0, head.length, null, (error, written) => {
      if (this.#closed) return this.#stop();
      if (error && error.code !== 'EAGAIN') return this.#stop(true);
      if (error) {
        this.#backoffMs = Math.min(Math.max(1, this.#backoffMs * 2), 20);
        return void setTimeout(() => this.#drain(), this.#backoffMs);
      }
      this.#backoffMs = 0;
      if (written < head.length) this.#queue[0] = head.subarray(written);
      else this.#queue.shift();
      this.#drain();
    });
  }

  /** `failed`: the terminal is gone (the server exited); the exit handler reports why. */
  #stop(failed = false): void {
    this.#writing = false;
    if (failed) this.#queue = [];
    this.#idle?.();
    this.#idle = undefined;
  }
}
