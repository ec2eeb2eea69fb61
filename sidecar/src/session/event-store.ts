// A bounded, per-session store of SSE events, for resumption (GET + Last-Event-ID) and for messages sent to a
// stream no client is reading at the moment. Event ids are `<stream>_<seq>`: the sequence is unique across the
// session's streams and the prefix names the stream, so a Last-Event-ID maps back to the stream it came from
// and only that stream is replayed (spec 2025-11-25, resumability). Bounded twice: at most --event-store-size events
// and --event-store-bytes of them (string length; the newest event is always kept, whatever its size); the oldest
// go first.

export interface StoredEvent {
  readonly streamId: number;
  readonly seq: number;
  /** The JSON-RPC message as sent; null for a priming event, which carries no message. */
  readonly data: string | null;
  /** Written to a connected client at least once. */
  delivered: boolean;
}

export const eventId = (event: Pick<StoredEvent, 'streamId' | 'seq'>): string => `${event.streamId}_${event.seq}`;

export function parseEventId(value: string): { streamId: number; seq: number } | undefined {
  const match = /^(\d+)_(\d+)$/.exec(value.trim());
  return match ? { streamId: Number(match[1]), seq: Number(match[2]) } : undefined;
}

const sizeOf = (event: StoredEvent): number => event.data?.length ?? 0;

/** Dropped slots are compacted away once this many have piled up at the front (and they are half the array). */
const COMPACT_AFTER = 1024;

export class EventStore {
  readonly #maxEvents: number;
  readonly #maxBytes: number;
  /** Oldest first, from #head on; allocated as it fills, so idle sessions cost almost nothing. */
  #events: (StoredEvent | undefined)[] = [];
  #head = 0;
  #bytes = 0;
  #nextSeq = 1;

  constructor(maxEvents: number, maxBytes = Number.POSITIVE_INFINITY) {
    this.#maxEvents = maxEvents;
    this.#maxBytes = maxBytes;
  }

  get size(): number {
    return this.#events.length - this.#head;
  }

  get bytes(): number {
    return this.#bytes;
  }

  /** Stores an event; returns it and how many messages nobody received were pushed out to make room. */
  append(streamId: number, data: string | null, delivered: boolean): { event: StoredEvent; lost: number } {
    const event: StoredEvent = { streamId, seq: this.#nextSeq++, data, delivered };
    this.#events.push(event);
    this.#bytes += sizeOf(event);
    let lost = 0;
    while (this.size > this.#maxEvents || (this.#bytes > this.#maxBytes && this.size > 1)) {
      const oldest = this.#events[this.#head]!;
      this.#events[this.#head++] = undefined;
      this.#bytes -= sizeOf(oldest);
      if (!oldest.delivered && oldest.data !== null) lost++;
    }
    if (this.#head >= COMPACT_AFTER && this.#head * 2 >= this.#events.length) {
      this.#events = this.#events.slice(this.#head);
      this.#head = 0;
    }
    return { event, lost };
  }

  /** Events of one stream after `afterSeq` (all of them when undefined), oldest first. */
  replay(streamId: number, afterSeq: number | undefined, onlyUndelivered = false): StoredEvent[] {
    const events: StoredEvent[] = [];
    for (let i = this.#head; i < this.#events.length; i++) {
      const event = this.#events[i]!;
      if (event.streamId !== streamId) continue;
      if (afterSeq !== undefined && event.seq <= afterSeq) continue;
      if (onlyUndelivered && event.delivered) continue;
      events.push(event);
    }
    return events;
  }
}
