// A bounded, per-session store of SSE events, for resumption (GET + Last-Event-ID) and for messages sent to a
// stream no client is reading at the moment. Event ids are `<stream>_<seq>`: the sequence is unique across the
// session's streams and the prefix names the stream, so a Last-Event-ID maps back to the stream it came from
// and only that stream is replayed (spec 2025-11-25, resumability).

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

export class EventStore {
  readonly #capacity: number;
  /** Ring buffer, allocated as it fills so idle sessions cost almost nothing. */
  readonly #ring: StoredEvent[] = [];
  #oldest = 0;
  #nextSeq = 1;

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  /** Stores an event; returns it and, when the store was full, the event it pushed out. */
  append(streamId: number, data: string | null, delivered: boolean): { event: StoredEvent; evicted?: StoredEvent } {
    const event: StoredEvent = { streamId, seq: this.#nextSeq++, data, delivered };
    if (this.#ring.length < this.#capacity) {
      this.#ring.push(event);
      return { event };
    }
    const evicted = this.#ring[this.#oldest];
    this.#ring[this.#oldest] = event;
    this.#oldest = (this.#oldest + 1) % this.#capacity;
    return evicted ? { event, evicted } : { event };
  }

  /** Events of one stream after `afterSeq` (all of them when undefined), oldest first. */
  replay(streamId: number, afterSeq: number | undefined, onlyUndelivered = false): StoredEvent[] {
    const events: StoredEvent[] = [];
    for (let i = 0; i < this.#ring.length; i++) {
      const event = this.#ring[(this.#oldest + i) % this.#ring.length];
      if (!event || event.streamId !== streamId) continue;
      if (afterSeq !== undefined && event.seq <= afterSeq) continue;
      if (onlyUndelivered && event.delivered) continue;
      events.push(event);
    }
    return events;
  }
}
