// Incremental SSE reading for transport tests that look at a stream while it is open: priming events, `retry`,
// keep-alive comments, disconnecting mid-stream and resuming. Also a raw node:http request for headers fetch forbids.

import { request as httpRequest } from 'node:http';

/** One SSE block: its fields, and the comment lines (`: keepalive`) it carried. */
export interface SseEvent {
  readonly id?: string;
  readonly event?: string;
  /** undefined when the block had no data field; '' for an empty one (a priming event). */
  readonly data?: string;
  readonly retry?: number;
  readonly comments: readonly string[];
  /** Date.now() when the reader parsed the event. */
  readonly at?: number;
}

/** The JSON-RPC message of an event, if it carries one. */
export const messageOf = (event: SseEvent): Record<string, unknown> | undefined =>
  event.data ? (JSON.parse(event.data) as Record<string, unknown>) : undefined;

export function parseSseBlock(block: string): SseEvent | undefined {
  const fields: { id?: string; event?: string; data?: string[]; retry?: number } = {};
  const comments: string[] = [];
  for (const line of block.split('\n')) {
    if (line === '') continue;
    if (line.startsWith(':')) {
      comments.push(line.slice(1).trim());
      continue;
    }
    const colon = line.indexOf(':');
    const name = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (name === 'data') (fields.data ??= []).push(value);
    else if (name === 'id') fields.id = value;
    else if (name === 'event') fields.event = value;
    else if (name === 'retry') fields.retry = Number(value);
  }
  if (!fields.data && fields.id === undefined && fields.event === undefined && fields.retry === undefined) {
    return comments.length > 0 ? { comments } : undefined;
  }
  const { data, ...rest } = fields;
  return { ...rest, ...(data ? { data: data.join('\n') } : {}), comments };
}

/** Reads an SSE response body event by event, with timeouts, and can drop the connection mid-stream. */
export class SseReader {
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  readonly #abort: () => void;
  readonly #decoder = new TextDecoder();
  #buffer = '';
  #done = false;
  #pending: ReturnType<ReadableStreamDefaultReader<Uint8Array>['read']> | undefined;
  /** Every event read so far, in order. */
  readonly seen: SseEvent[] = [];

  constructor(response: Response, abort: () => void = () => undefined) {
    if (!response.body) throw new Error(`response ${response.status} has no body`);
    this.#reader = response.body.getReader();
    this.#abort = abort;
  }

  /** The next event, or undefined once the stream ended. Throws after timeoutMs. */
  async next(timeoutMs = 5_000): Promise<SseEvent | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const event = this.#take();
      if (event) return event;
      if (this.#done) return undefined;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no SSE event within ${timeoutMs} ms; seen so far: ${JSON.stringify(this.seen)}`);
      this.#pending ??= this.#reader.read();
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), left)));
      const chunk = await Promise.race([this.#pending, timeout]).finally(() => clearTimeout(timer));
      if (chunk === 'timeout') continue;
      this.#pending = undefined;
      if (chunk.done) {
        this.#done = true;
        this.#buffer += '\n\n';
      } else {
        this.#buffer += this.#decoder.decode(chunk.value, { stream: true }).replace(/\r\n?/g, '\n');
      }
    }
  }

  /** Reads events until one matches (included), failing after timeoutMs or at the end of the stream. */
  async until(match: (event: SseEvent) => boolean, timeoutMs = 5_000): Promise<SseEvent[]> {
    const deadline = Date.now() + timeoutMs;
    const events: SseEvent[] = [];
    for (;;) {
      const event = await this.next(Math.max(1, deadline - Date.now()));
      if (!event) throw new Error(`SSE stream ended before the expected event; got ${JSON.stringify(events)}`);
      events.push(event);
      if (match(event)) return events;
    }
  }

  /** Reads whatever arrives within ms (the stream may stay open), or up to its end. */
  async during(ms: number): Promise<SseEvent[]> {
    const deadline = Date.now() + ms;
    const events: SseEvent[] = [];
    while (Date.now() < deadline) {
      try {
        const event = await this.next(Math.max(1, deadline - Date.now()));
        if (!event) break;
        events.push(event);
      } catch {
        break;
      }
    }
    return events;
  }

  /** Drops the connection, as a client losing its network would. */
  disconnect(): void {
    this.#abort();
    this.#reader.cancel().catch(() => undefined);
  }

  #take(): SseEvent | undefined {
    for (;;) {
      const end = this.#buffer.indexOf('\n\n');
      if (end === -1) return undefined;
      const block = this.#buffer.slice(0, end);
      this.#buffer = this.#buffer.slice(end + 2);
      const parsed = parseSseBlock(block);
      if (parsed) {
        const event = { ...parsed, at: Date.now() };
        this.seen.push(event);
        return event;
      }
    }
  }
}

/** fetch with an AbortController; the body is read as SSE when the answer is an event stream. */
export async function openStream(url: string, init: RequestInit): Promise<{ response: Response; sse: SseReader }> {
  const controller = new AbortController();
  const response = await fetch(url, { ...init, signal: controller.signal });
  return { response, sse: new SseReader(response, () => controller.abort()) };
}

export interface RawHttpAnswer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** One HTTP request with exactly the given headers (fetch does not let a test set `Host`). Reads the whole body. */
export function rawHttp(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string; timeoutMs?: number },
): Promise<RawHttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: options.method ?? 'GET', headers: options.headers ?? {} }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.setTimeout(options.timeoutMs ?? 5_000, () => req.destroy(new Error(`${url}: no answer in time`)));
    req.on('error', reject);
    req.end(options.body);
  });
}
