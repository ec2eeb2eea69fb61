// Back-pressure for every outgoing SSE stream: POST answer streams, the standalone GET stream, resumed streams, the
// legacy HTTP+SSE stream, and any stream added later. A reader that keeps up never notices it: events go straight to
// the socket. Once the socket's buffer is full (res.write returned false and no 'drain' came yet) events are held
// here instead, in order, and written as the socket drains. What is held is bounded in events and bytes; the
// newest event is always taken, so one large message never ends a stream on its own. Past the bound the reader is
// further behind than the session's event store keeps (the bounds are the store's), so the stream is ended: its
// socket is destroyed (Node frees its buffers), the loss is reported once, and the client can resume from the event
// store with Last-Event-ID. All streams together also share one budget (--max-stream-buffers), so a thousand
// slow readers cannot add up to more than that either. The producer is never slowed: in shared mode one slow client
// costs the others nothing.

import type { ServerResponse } from 'node:http';

import type { BridgeConfig } from '@mcp-sidecar/contract';

import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';

/** How far behind a stream's reader may fall before the stream is ended. */
export interface StreamBounds {
  /** Events held back, at most. */
  readonly maxEvents: number;
  /** Bytes held back, at most (string length: what the held events cost in memory). */
  readonly maxBytes: number;
  /** What every stream of the bridge holds back together, at most. */
  readonly budget: BufferBudget;
  /** Told once per stream ended because its reader fell further behind than the bounds. */
  readonly slowReader: (stream: string, held: HeldBack) => void;
}

/** --max-stream-buffers: the bytes held back for every slow reader together. */
export class BufferBudget {
  readonly max: number;
  #used = 0;

  constructor(max: number) {
    this.max = max;
  }

  get used(): number {
    return this.#used;
  }

  /** Takes `bytes` when they fit; false when they do not (nothing is taken). */
  take(bytes: number): boolean {
    if (this.#used + bytes > this.max) return false;
    this.#used += bytes;
    return true;
  }

  give(bytes: number): void {
    this.#used -= bytes;
  }
}

export interface HeldBack {
  readonly events: number;
  readonly bytes: number;
}

/** The bounds of one session's streams (the event store's), reporting slow readers to the log and the metrics. */
export function streamBounds(
  config: Pick<BridgeConfig, 'eventStoreSize' | 'eventStoreBytes'>,
  budget: BufferBudget,
  metrics: Metrics,
  log: Logger,
  session: string,
): StreamBounds {
  return {
    maxEvents: config.eventStoreSize,
    maxBytes: config.eventStoreBytes,
    budget,
    slowReader: (stream, held) => {
      metrics.streamsEnded.inc({ reason: 'slow_reader' });
      log.warn(
        { session, stream, heldEvents: held.events, heldBytes: held.bytes },
        'ended an SSE stream whose client is not reading (more behind than --event-store-size / --event-store-bytes, ' +
          'or --max-stream-buffers used up); the client can resume it with Last-Event-ID',
      );
    },
  };
}

export class BoundedWriter {
  #res: ServerResponse | null;
  readonly #bounds: StreamBounds;
  readonly #label: string;
  #held: string[] = [];
  #heldBytes = 0;
  /** end() was called while events were held: the stream ends once they are written. */
  #ending = false;
  readonly #drained = (): void => this.#flush();

  constructor(res: ServerResponse, bounds: StreamBounds, label: string) {
    this.#res = res;
    this.#bounds = bounds;
    this.#label = label;
    res.on('drain', this.#drained);
    res.once('close', () => this.#release());
  }

  /** False once the connection closed or the stream was ended for a slow reader. */
  get open(): boolean {
    return this.#res !== null;
  }

  /** What is held back right now, waiting for the reader. */
  get backlog(): HeldBack {
    return { events: this.#held.length, bytes: this.#heldBytes };
  }

  /** Writes one SSE event, or holds it while the reader is behind; past the bounds, ends the stream. */
  write(chunk: string): void {
    const res = this.#res;
    if (!res) return;
    if (this.#held.length === 0 && !res.writableNeedDrain) {
      res.write(chunk);
      return;
    }
    const bytes = chunk.length;
    const over = this.#held.length >= this.#bounds.maxEvents || this.#heldBytes + bytes > this.#bounds.maxBytes;
    if ((over && this.#held.length > 0) || !this.#bounds.budget.take(bytes)) return this.#slowReader(bytes);
    this.#held.push(chunk);
    this.#heldBytes += bytes;
  }

  /** A keep-alive comment, written only to a reader that is keeping up (it would only add to the backlog). */
  keepalive(comment: string): void {
    const res = this.#res;
    if (res && this.#held.length === 0 && !res.writableNeedDrain) res.write(comment);
  }

  /** Ends the stream once what is held has been written. */
  end(): void {
    const res = this.#res;
    if (!res) return;
    if (this.#held.length === 0) res.end();
    else this.#ending = true;
  }

  /** The stream is over (its session ended): a reader that keeps up gets the end, one that does not is cut off. */
  close(): void {
    const res = this.#res;
    if (!res) return;
    const behind = this.#held.length > 0 || res.writableNeedDrain;
    this.#release();
    if (behind) res.destroy();
    else res.end();
  }

  #flush(): void {
    const res = this.#res;
    if (!res) return;
    let written = 0;
    while (written < this.#held.length) {
      const chunk = this.#held[written++]!;
      this.#heldBytes -= chunk.length;
      this.#bounds.budget.give(chunk.length);
      if (!res.write(chunk)) break;
    }
    this.#held = written === this.#held.length ? [] : this.#held.slice(written);
    if (this.#held.length === 0 && this.#ending) res.end();
  }

  #slowReader(incomingBytes: number): void {
    const res = this.#res!;
    const held = { events: this.#held.length + 1, bytes: this.#heldBytes + incomingBytes };
    this.#release();
    res.destroy();
    this.#bounds.slowReader(this.#label, held);
  }

  /** Lets go of the connection and everything held for it. */
  #release(): void {
    this.#res?.off('drain', this.#drained);
    this.#res = null;
    this.#bounds.budget.give(this.#heldBytes);
    this.#held = [];
    this.#heldBytes = 0;
  }
}
