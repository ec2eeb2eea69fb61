// An upstream MCP server reached through mcp-shim's Unix socket: the shim starts one server process per
// connection and binds its stdin/stdout to it, so this side only speaks newline-delimited JSON-RPC.
// Closing our end is the server's stdin EOF; the shim then reaps the process.

import { createConnection, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

import { CorkedWriter, messageReader, type Transport, type TransportEvents } from '../transport.ts';

export interface UnixOptions {
  readonly path: string;
  readonly maxMessageSize: number;
  readonly maxJsonDepth?: number;
  /** How long the server may take to exit after its stdin closed before the socket is destroyed. */
  readonly graceMs?: number;
}

export function connectUnix(options: UnixOptions, events: TransportEvents): Transport {
  return new UnixTransport(options, events);
}

/** No process facet: the server process belongs to the shim, in another container. */
class UnixTransport implements Transport {
  readonly description: string;
  readonly stdio = true;
  readonly #socket: Socket;
  readonly #writer: CorkedWriter;
  readonly #closed: Promise<void>;
  readonly #graceMs: number;
  #ended = false;

  constructor(options: UnixOptions, events: TransportEvents) {
    this.description = `unix:${options.path}`;
    this.#graceMs = options.graceMs ?? 2_000;
    this.#socket = createConnection(options.path);
    this.#writer = new CorkedWriter(this.#socket);
    const reader = messageReader(options.maxMessageSize, events, options.maxJsonDepth);
    this.#socket.on('data', (chunk: Buffer) => reader.push(chunk));
    this.#closed = new Promise((resolve) => {
      let failure: string | undefined;
      let connected = false;
      this.#socket.once('connect', () => (connected = true));
      this.#socket.on('error', (error: NodeJS.ErrnoException) => {
        // Once connected, a reset is the server's end seen with our last request unread: the same event as EOF.
        if (connected && (error.code === 'ECONNRESET' || error.code === 'EPIPE')) return;
        failure = describeSocketError(options.path, error);
      });
      this.#socket.on('close', () => {
        reader.end();
        this.#ended = true;
        resolve();
        const description = failure ?? `connection to ${this.description} was closed by the shim (the server exited)`;
        events.onEnd({ description, started: connected });
      });
    });
  }

  get ended(): boolean {
    return this.#ended;
  }

  send(message: Parameters<Transport['send']>[0]): void {
    if (!this.#ended && this.#socket.writable) this.#writer.write(message);
  }

  async close(): Promise<void> {
    if (!this.#ended) {
      this.#socket.end();
      await Promise.race([this.#closed, sleep(this.#graceMs)]);
      this.#socket.destroy();
    }
    await this.#closed;
  }
}

function describeSocketError(path: string, error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case 'ENOENT':
      return `cannot connect to unix:${path}: no socket there yet (is mcp-shim running in the server container?)`;
    case 'ECONNREFUSED':
      return `cannot connect to unix:${path}: connection refused (mcp-shim is not listening)`;
    case 'EACCES':
      return `cannot connect to unix:${path}: permission denied (run the bridge as the server's user, see mcp.io docs)`;
    default:
      return `connection to unix:${path} failed: ${error.message}`;
  }
}
