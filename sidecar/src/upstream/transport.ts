// The seam between the bridge and an upstream MCP server: a stream of JSON-RPC messages both ways, with lifecycle
// events (junk, over-long messages, logs, the end). What is particular to a process (pid, exit code, signal) is an
// optional facet, so a transport with no process (a socket, an HTTP server) is one more implementation. The kinds
// are registered in kinds/index.ts.

import {
  type ClassifiedMessage,
  DEFAULT_MAX_JSON_DEPTH,
  type JsonRpcMessage,
  LineReader,
  parseMessage,
  startsAsObject,
} from '@mcp-sidecar/protocol';

/** How a process ended, for transports that run one. */
export interface ProcessExit {
  readonly exitCode: number | null;
  readonly signal: string | null;
}

export interface TransportEnd {
  /** Human-readable cause, e.g. "process exited with code 1" or "connection to unix:/x closed". */
  readonly description: string;
  /**
   * A server was running on this transport (the process had been spawned, or the socket had connected), so its
   * end is a crash. False when it never got that far, e.g. the shim's socket is not there yet.
   */
  readonly started: boolean;
  /** Present when the transport ran a process of its own. */
  readonly process?: ProcessExit;
}

export interface TransportEvents {
  readonly onMessage: (message: ClassifiedMessage) => void;
  /**
   * Something on the stream that is not a JSON-RPC message: logged and skipped, never fatal. `limit` is set when a
   * structural limit refused it (it may be the answer to a request, which then gets an error).
   */
  readonly onInvalidLine: (line: string, reason: string, limit?: 'depth') => void;
  /** A message over the size limit; `head` is its beginning, to find which request it answered. */
  readonly onOversize: (bytes: number, head: string) => void;
  /** A line of the server's own log (a process's stderr). */
  readonly onLog: (line: string) => void;
  readonly onEnd: (end: TransportEnd) => void;
}

/** What a transport that runs a local process can tell about it. */
export interface ProcessFacet {
  readonly pid: number | undefined;
}

export interface Transport {
  /** What to call it in logs: "pid 4242 (npx -y server)" or "unix:/mcp/run/stdio.sock". */
  readonly description: string;
  /** Present when the transport runs a local process. */
  readonly process?: ProcessFacet;
  /**
   * True when the server writes its messages on a stdout of its own (a pipe, a terminal, mcp-shim's socket), which it
   * may buffer: a server that stays silent there is probably holding its answers back.
   */
  readonly stdio?: boolean;
  /** True once the transport has ended (the process exited, the socket closed). */
  readonly ended: boolean;
  send(message: JsonRpcMessage): void;
  /** Closes politely, then firmly; resolves once the upstream is gone. Safe to call twice. */
  close(): Promise<void>;
}

/** Opens a new transport to the upstream; each call is a new server process (or shim connection). */
export type TransportFactory = (events: TransportEvents) => Transport;

/**
 * Frames a byte stream into classified messages, reporting junk, too deeply nested and over-long lines through
 * `events`. A line that does not start as a JSON object is junk without a JSON.parse: a server flooding its stdout
 * with text costs one character test per line.
 */
export function messageReader(
  maxMessageSize: number,
  events: TransportEvents,
  maxJsonDepth = DEFAULT_MAX_JSON_DEPTH,
): LineReader {
  return new LineReader(maxMessageSize, {
    onLine: (line) => {
      if (!startsAsObject(line)) return events.onInvalidLine(line, 'not a JSON object');
      const message = parseMessage(line, maxJsonDepth);
      if (message.kind === 'invalid') events.onInvalidLine(line, message.reason, message.limit);
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
