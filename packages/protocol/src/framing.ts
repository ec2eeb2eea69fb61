// Newline-delimited framing for MCP's stdio transport, with a size limit.
// Lines are split on the newline *byte* and decoded only when complete, so a multi-byte UTF-8 character that
// straddles two chunks is never corrupted. A trailing \r is tolerated. A line longer than the limit is
// reported once and skipped up to its newline; the stream carries on.

const NEWLINE = 0x0a;
const HEAD_BYTES = 512;

/** The first HEAD_BYTES of a line held in parts, without copying the (possibly huge) rest. */
function headOf(parts: readonly Buffer[]): string {
  const slices: Buffer[] = [];
  let size = 0;
  for (const part of parts) {
    if (size >= HEAD_BYTES) break;
    const slice = part.subarray(0, HEAD_BYTES - size);
    slices.push(slice);
    size += slice.length;
  }
  return Buffer.concat(slices, size).toString('utf8');
}
const CARRIAGE_RETURN = 0x0d;

export interface LineReaderEvents {
  /** A complete line, without its line ending. Empty lines are skipped unless `keepEmptyLines` is set. */
  readonly onLine: (line: string) => void;
  /**
   * A line longer than `maxLineBytes` was dropped; `bytes` is how much of it was seen before giving up and
   * `head` its first bytes (enough to find a JSON-RPC id, which usually comes first).
   */
  readonly onOversize: (bytes: number, head: string) => void;
}

export class LineReader {
  readonly #maxLineBytes: number;
  readonly #events: LineReaderEvents;
  readonly #keepEmptyLines: boolean;
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  /** True while skipping the rest of an over-long line. */
  #discarding = false;

  /** `keepEmptyLines`: report empty lines too (SSE ends each event with one). */
  constructor(maxLineBytes: number, events: LineReaderEvents, options: { keepEmptyLines?: boolean } = {}) {
    this.#maxLineBytes = maxLineBytes;
    this.#events = events;
    this.#keepEmptyLines = options.keepEmptyLines ?? false;
  }

  push(chunk: Buffer): void {
    let start = 0;
    let newline = chunk.indexOf(NEWLINE, start);
    while (newline !== -1) {
      this.#completeLine(chunk.subarray(start, newline));
      start = newline + 1;
      newline = chunk.indexOf(NEWLINE, start);
    }
    if (start < chunk.length) this.#keep(chunk.subarray(start));
  }

  /** Flushes a final line that had no newline (the writer closed its end). */
  end(): void {
    if (this.#pendingBytes > 0 && !this.#discarding) this.#emit(Buffer.concat(this.#pending, this.#pendingBytes));
    this.#reset();
  }

  #keep(part: Buffer): void {
    if (this.#discarding) return;
    this.#pendingBytes += part.length;
    if (this.#pendingBytes > this.#maxLineBytes) {
      this.#events.onOversize(this.#pendingBytes, headOf([...this.#pending, part]));
      this.#pending = [];
      this.#discarding = true;
      return;
    }
    // Copy: the caller may reuse the chunk's memory after push() returns.
    this.#pending.push(Buffer.from(part));
  }

  #completeLine(tail: Buffer): void {
    if (this.#discarding) {
      this.#reset();
      return;
    }
    if (this.#pendingBytes === 0) {
      if (tail.length > this.#maxLineBytes) this.#events.onOversize(tail.length, headOf([tail]));
      else this.#emit(tail);
      return;
    }
    const total = this.#pendingBytes + tail.length;
    if (total > this.#maxLineBytes) {
      const head = headOf([...this.#pending, tail]);
      this.#reset();
      this.#events.onOversize(total, head);
      return;
    }
    const line = Buffer.concat([...this.#pending, tail], total);
    this.#reset();
    this.#emit(line);
  }

  #emit(bytes: Buffer): void {
    const end = bytes.length > 0 && bytes[bytes.length - 1] === CARRIAGE_RETURN ? bytes.length - 1 : bytes.length;
    if (end === 0 && !this.#keepEmptyLines) return;
    this.#events.onLine(bytes.toString('utf8', 0, end));
  }

  #reset(): void {
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#discarding = false;
  }
}
