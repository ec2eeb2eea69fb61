// The seam between the bridge and an upstream MCP server: something that carries newline-delimited JSON-RPC
// both ways and reports how it ended. Implementations: a spawned child (child-connection.ts) and a Unix socket
// served by mcp-shim (unix-connection.ts).

import { type Classified, type JsonRpcMessage, LineReader, parseMessage } from '@mcp-sidecar/protocol';

export type UpstreamMessage = Exclude<Classified, { kind: 'invalid' }>;

export interface ConnectionEnd {
  /** Human-readable cause, e.g. "process exited with code 1" or "connection to unix:/x closed". */
  readonly description: string;
  readonly exitCode: number | null;
  readonly signal: string | null;
  /**
   * A server was running on this connection (the process had been spawned, or the socket had connected), so
   * its end is a crash. False when it never got that far, e.g. the shim's socket is not there yet.
   */
  readonly started: boolean;
}

export interface ConnectionEvents {
  readonly onMessage: (message: UpstreamMessage) => void;
  /** A stdout line that is not a JSON-RPC message: logged and skipped, never fatal. */
  readonly onInvalidLine: (line: string, reason: string) => void;
  /** A message over the size limit; `head` is its beginning, to find which request it answered. */
  readonly onOversize: (bytes: number, head: string) => void;
  /** A line the server wrote on stderr (spawned children only). */
  readonly onStderr: (line: string) => void;
  readonly onEnd: (end: ConnectionEnd) => void;
}

export interface UpstreamConnection {
  /** What to call it in logs: "pid 4242 (npx -y server)" or "unix:/mcp/run/stdio.sock". */
  readonly description: string;
  readonly pid: number | undefined;
  /** True once the connection has ended (the process exited or the socket closed). */
  readonly ended: boolean;
  send(message: JsonRpcMessage): void;
  /** Closes politely, then firmly; resolves once the upstream is gone. Safe to call twice. */
  close(): Promise<void>;
}

/** Opens a new connection to the upstream; each call is a new server process (or shim connection). */
export type Connector = (events: ConnectionEvents) => UpstreamConnection;

/** Frames a byte stream into classified messages, reporting junk and over-long lines through `events`. */
export function messageReader(maxMessageSize: number, events: ConnectionEvents): LineReader {
  return new LineReader(maxMessageSize, {
    onLine: (line) => {
      const message = parseMessage(line);
      if (message.kind === 'invalid') events.onInvalidLine(line, message.reason);
      else events.onMessage(message);
    },
    onOversize: events.onOversize,
  });
}

/**
 * Batches the writes of one event-loop turn into one syscall. Under load, one turn handles many HTTP requests
 * (one I/O callback each); uncorking in the check phase (setImmediate), after all of them ran, sends their
 * messages to the upstream together. process.nextTick would uncork after each callback and batch nothing. A
 * write per message costs more than the message itself, and wakes the server once per message.
 */
export class CorkedWriter {
  readonly #stream: NodeJS.WritableStream & { cork(): void; uncork(): void };
  #corked = false;

  constructor(stream: NodeJS.WritableStream & { cork(): void; uncork(): void }) {
    this.#stream = stream;
  }

  write(message: JsonRpcMessage): void {
    if (!this.#corked) {
      this.#corked = true;
      this.#stream.cork();
      setImmediate(() => {
        this.#corked = false;
        this.#stream.uncork();
      });
    }
    this.#stream.write(`${JSON.stringify(message)}\n`);
  }
}
