// Reading a text/event-stream (the Streamable HTTP transport's server-to-client stream), with a size limit.
// Lines are framed by the bounded LineReader (split on the newline byte, a trailing \r tolerated; a lone \r as a
// line ending, which the SSE grammar allows and no MCP server sends, is not recognised). An event is dispatched
// at its blank line; comments (keep-alives) are dropped here, so they cost nothing downstream.

import { LineReader } from './framing.ts';

export interface SseEvent {
  /** The event's `id`, when it had one: the cursor for resuming with Last-Event-ID. */
  readonly id: string | undefined;
  /** The `event` field; undefined means the default type, "message". */
  readonly event: string | undefined;
  /** The data lines joined with "\n"; empty for a priming event (an id with empty data). */
  readonly data: string;
  /** The `retry` field in milliseconds, when the event set it. */
  readonly retry: number | undefined;
}

export interface SseReaderEvents {
  readonly onEvent: (event: SseEvent) => void;
  /** An event whose data is over the limit was dropped; `head` is its beginning (to find the id it answers). */
  readonly onOversize: (bytes: number, head: string) => void;
}

/** Room for the field name in front of a data line that holds a whole message. */
const FIELD_OVERHEAD = 16;

export class SseReader {
  readonly #lines: LineReader;
  readonly #maxDataBytes: number;
  readonly #events: SseReaderEvents;
  #data: string[] = [];
  #dataBytes = 0;
  #id: string | undefined;
  #event: string | undefined;
  #retry: number | undefined;
  #seen = false;
  /** The current event went over the limit: the rest of it is skipped. */
  #discarding = false;

  constructor(maxDataBytes: number, events: SseReaderEvents) {
    this.#maxDataBytes = maxDataBytes;
    this.#events = events;
    this.#lines = new LineReader(
      maxDataBytes + FIELD_OVERHEAD,
      { onLine: (line) => this.#line(line), onOversize: (bytes, head) => this.#oversize(bytes, head) },
      { keepEmptyLines: true },
    );
  }

  push(chunk: Buffer): void {
    this.#lines.push(chunk);
  }

  /** The stream ended: an event without its closing blank line is incomplete and is dropped, as the spec says. */
  end(): void {
    this.#lines.end();
    this.#reset();
  }

  #line(line: string): void {
    if (line === '') return this.#dispatch();
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const name = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    this.#field(name, value);
  }

  #field(name: string, value: string): void {
    this.#seen = true;
    if (name === 'data') return this.#appendData(value);
    if (name === 'id' && !value.includes('\0')) this.#id = value;
    else if (name === 'event') this.#event = value;
    else if (name === 'retry' && /^\d+$/.test(value)) this.#retry = Number(value);
  }

  #appendData(value: string): void {
    if (this.#discarding) return;
    this.#dataBytes += Buffer.byteLength(value) + (this.#data.length > 0 ? 1 : 0);
    if (this.#dataBytes > this.#maxDataBytes) {
      this.#oversize(this.#dataBytes, `${this.#data.join('\n').slice(0, 512)}${value.slice(0, 512)}`);
      return;
    }
    this.#data.push(value);
  }

  #oversize(bytes: number, head: string): void {
    if (!this.#discarding) this.#events.onOversize(bytes, head.replace(/^data: ?/, ''));
    this.#discarding = true;
    this.#seen = true;
    this.#data = [];
  }

  #dispatch(): void {
    if (this.#seen && !this.#discarding) {
      const data = this.#data.length === 1 ? this.#data[0]! : this.#data.join('\n');
      this.#events.onEvent({ id: this.#id, event: this.#event, data, retry: this.#retry });
    } else if (this.#seen && this.#id !== undefined) {
      // An oversized event still moves the resumption cursor past itself.
      this.#events.onEvent({ id: this.#id, event: this.#event, data: '', retry: this.#retry });
    }
    this.#reset();
  }

  #reset(): void {
    this.#data = [];
    this.#dataBytes = 0;
    this.#id = undefined;
    this.#event = undefined;
    this.#retry = undefined;
    this.#seen = false;
    this.#discarding = false;
  }
}
