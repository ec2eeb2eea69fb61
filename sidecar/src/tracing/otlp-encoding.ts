// OTLP trace export requests (opentelemetry-proto v1: ExportTraceServiceRequest), encoded straight from span data
// into one growing buffer: short ASCII strings and hex ids byte by byte, timestamps without BigInt, lengths patched
// in when a message ends, attributes written as they are put (no attribute objects), a group of attributes that
// repeats (AttributeSink.group) copied from its first encoding. Checked field by field against the SDK's own
// serializer, both decoded with the OTel proto definitions (sidecar/test/tracing/otlp-encoding.test.ts). Pure: span
// data in, bytes out (and the groups it has encoded, kept in a bounded cache).

export type AttributeValue = string | number | boolean | readonly (string | number | boolean)[];

/** Where a span's attributes are put as it is encoded. */
export interface KeyValueSink {
  put(key: string, value: AttributeValue): void;
  /** Attributes that are the same whenever `key` is: encoded once, then copied (up to MAX_GROUPS keys). */
  group(key: string, write: (out: KeyValueSink) => void): void;
}

/** A span context a link points to. */
export interface LinkData {
  readonly traceId: string;
  readonly spanId: string;
  readonly traceFlags: number;
  readonly remote: boolean;
}

export interface SpanData {
  readonly traceId: string;
  readonly spanId: string;
  readonly traceState: string | undefined;
  readonly parentSpanId: string | undefined;
  readonly parentRemote: boolean;
  readonly name: string;
  /** OTLP's SpanKind: 2 SERVER, 3 CLIENT. */
  readonly kind: 2 | 3;
  readonly startMs: number;
  readonly endMs: number;
  /** Puts the span's attributes. */
  readonly attributes: (out: KeyValueSink) => void;
  readonly links: readonly LinkData[];
  /** Set when the span's status is ERROR. */
  readonly error: string | undefined;
  readonly traceFlags: number;
}

const HAS_IS_REMOTE = 0x100;
const IS_REMOTE = 0x200;
const STATUS_ERROR = 2;
const LENGTH_DELIMITED = 2;

/** A hex digit's value by its character code (either case); other characters read as 0. */
const HEX_VALUE = new Uint8Array(128);
for (let digit = 0; digit < 16; digit++) {
  HEX_VALUE[digit.toString(16).charCodeAt(0)] = digit;
  HEX_VALUE[digit.toString(16).toUpperCase().charCodeAt(0)] = digit;
}

/** A protobuf writer: fields appended to one buffer, a message's length patched in when it ends. */
export class ProtoWriter {
  #buf: Buffer;
  #pos = 0;

  constructor(initialBytes = 64 * 1024) {
    this.#buf = Buffer.allocUnsafe(initialBytes);
  }

  get length(): number {
    return this.#pos;
  }

  #room(bytes: number): void {
    if (this.#pos + bytes <= this.#buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.#buf.length * 2, this.#pos + bytes));
    this.#buf.copy(bigger, 0, 0, this.#pos);
    this.#buf = bigger;
  }

  varint(value: number): void {
    if (value < 0x80 && this.#pos < this.#buf.length) {
      this.#buf[this.#pos++] = value;
      return;
    }
    this.#room(10);
    while (value > 0x7f) {
      this.#buf[this.#pos++] = (value & 0x7f) | 0x80;
      value = Math.floor(value / 128);
    }
    this.#buf[this.#pos++] = value;
  }

  /** int64 as protobuf writes it: a negative number is its 64-bit two's complement, ten bytes. */
  int64(value: number): void {
    if (value >= 0) return this.varint(value);
    this.#room(10);
    let rest = BigInt.asUintN(64, BigInt(value));
    for (; rest > 0x7fn; rest >>= 7n) this.#buf[this.#pos++] = Number(rest & 0x7fn) | 0x80;
    this.#buf[this.#pos++] = Number(rest);
  }

  tag(field: number, wire: number): void {
    this.varint((field << 3) | wire);
  }

  /** Short ASCII strings (keys, names, ids: nearly all of them) byte by byte; others through Buffer's encoder. */
  string(field: number, text: string): void {
    this.tag(field, LENGTH_DELIMITED);
    if (text.length < 128 && this.#ascii(text)) return;
    const bytes = Buffer.byteLength(text);
    this.varint(bytes);
    this.#room(bytes);
    this.#pos += this.#buf.write(text, this.#pos, bytes, 'utf8');
  }

  #ascii(text: string): boolean {
    this.#room(text.length + 1);
    const buf = this.#buf;
    let at = this.#pos + 1;
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      if (code > 0x7f) return false;
      buf[at++] = code;
    }
    buf[this.#pos] = text.length;
    this.#pos = at;
    return true;
  }

  /** Lowercase or uppercase hex (trace and span ids) as bytes. */
  hex(field: number, hex: string): void {
    this.tag(field, LENGTH_DELIMITED);
    const bytes = hex.length >>> 1;
    this.varint(bytes);
    this.#room(bytes);
    const buf = this.#buf;
    const at = this.#pos;
    for (let i = 0; i < bytes; i++) {
      buf[at + i] = (HEX_VALUE[hex.charCodeAt(2 * i) & 0x7f]! << 4) | HEX_VALUE[hex.charCodeAt(2 * i + 1) & 0x7f]!;
    }
    this.#pos = at + bytes;
  }

  /** Bytes as they are: fields encoded before (`since`). */
  raw(bytes: Uint8Array): void {
    this.#room(bytes.length);
    this.#buf.set(bytes, this.#pos);
    this.#pos += bytes.length;
  }

  /** A copy of what was written from `start` (a `length` read earlier) on. */
  since(start: number): Uint8Array {
    return Uint8Array.prototype.slice.call(this.#buf, start, this.#pos);
  }

  bytes(field: number, bytes: Uint8Array): void {
    this.tag(field, LENGTH_DELIMITED);
    this.varint(bytes.length);
    this.raw(bytes);
  }

  fixed32(field: number, value: number): void {
    this.tag(field, 5);
    this.#room(4);
    this.#uint32(value >>> 0);
  }

  /** Four bytes, little-endian (the caller has made room). */
  #uint32(value: number): void {
    const buf = this.#buf;
    const at = this.#pos;
    buf[at] = value;
    buf[at + 1] = value >>> 8;
    buf[at + 2] = value >>> 16;
    buf[at + 3] = value >>> 24;
    this.#pos = at + 4;
  }

  double(field: number, value: number): void {
    this.tag(field, 1);
    this.#room(8);
    this.#pos = this.#buf.writeDoubleLE(value, this.#pos);
  }

  /**
   * Epoch milliseconds (with a fraction) as fixed64 nanoseconds, rounded as the SDK's millisToHrTime does. A double
   * cannot hold nanoseconds since 1970 exactly, so the two 32-bit halves are computed from parts that it can.
   */
  nanos(field: number, ms: number): void {
    const seconds = Math.trunc(ms / 1000);
    const nanos = Math.round((ms % 1000) * 1e6);
    const upper = Math.floor(seconds / 65536) * 1e9; // × 2^16: exact, below 2^46
    const lower = (seconds % 65536) * 1e9 + nanos; // exact, below 2^53
    const low = (upper % 65536) * 65536 + (lower % 4294967296);
    const high = Math.floor(upper / 65536) + Math.floor(lower / 4294967296) + Math.floor(low / 4294967296);
    this.tag(field, 1);
    this.#room(8);
    this.#uint32(low % 4294967296);
    this.#uint32(high >>> 0);
  }

  /** Starts an embedded message; returns what `end` needs. One byte is kept for the length, more made if needed. */
  begin(field: number): number {
    this.tag(field, LENGTH_DELIMITED);
    this.#room(1);
    return this.#pos++;
  }

  end(start: number): void {
    const length = this.#pos - start - 1;
    if (length < 0x80) {
      this.#buf[start] = length; // the byte kept for it (most messages are this short)
      return;
    }
    let extra = 0;
    for (let rest = length >>> 7; rest > 0; rest >>>= 7) extra++;
    if (extra > 0) {
      this.#room(extra);
      this.#buf.copyWithin(start + 1 + extra, start + 1, this.#pos);
      this.#pos += extra;
    }
    const end = this.#pos;
    this.#pos = start;
    this.varint(length);
    this.#pos = end;
  }

  /**
   * A copy of the bytes written, after `prefix`, at the start of `reuse` when it is large enough, else on an
   * ArrayBuffer of its own, an eighth larger than needed (batches differ by a few bytes, and the sender gives the
   * buffer back for the next one); never on Node's shared pool, so it can be transferred to the sender thread. The
   * writer starts over, keeping its buffer.
   */
  take(prefix?: Uint8Array, reuse?: ArrayBuffer): Buffer {
    const length = (prefix?.length ?? 0) + this.#pos;
    const room = reuse && reuse.byteLength >= length ? reuse : Buffer.allocUnsafeSlow(length + (length >>> 3)).buffer;
    const bytes = Buffer.from(room, 0, length);
    if (prefix) bytes.set(prefix);
    this.#buf.copy(bytes, prefix?.length ?? 0, 0, this.#pos);
    this.#pos = 0;
    return bytes;
  }
}

function anyValue(w: ProtoWriter, value: AttributeValue): void {
  if (typeof value === 'string') w.string(1, value);
  else if (typeof value === 'boolean') {
    w.tag(2, 0);
    w.varint(value ? 1 : 0);
  } else if (typeof value === 'number' && Number.isInteger(value) && value >= -(2 ** 63) && value < 2 ** 63) {
    w.tag(3, 0);
    w.int64(value);
  } else if (typeof value === 'number') w.double(4, value);
  else {
    const array = w.begin(5);
    for (const item of value) {
      const entry = w.begin(1);
      anyValue(w, item);
      w.end(entry);
    }
    w.end(array);
  }
}

/** One attribute, as a KeyValue in `field` (Span.attributes is 9, Resource.attributes 1). */
function keyValue(w: ProtoWriter, field: number, key: string, value: AttributeValue): void {
  const pair = w.begin(field);
  w.string(1, key);
  const start = w.begin(2);
  anyValue(w, value);
  w.end(start);
  w.end(pair);
}

export function keyValues(w: ProtoWriter, field: number, attributes: Readonly<Record<string, AttributeValue>>): void {
  for (const key in attributes) keyValue(w, field, key, attributes[key]!);
}

/**
 * Encoded attribute groups by key. Bounded: past MAX_GROUPS keys (a client can make up tool names) a new group is
 * encoded every time, as if there were no cache.
 */
const MAX_GROUPS = 4096;
const encodedGroups = new Map<string, Uint8Array>();

/** The sink a span's attributes are put into: KeyValues of the span being encoded (one sink, no allocation). */
const spanAttributes = new (class implements KeyValueSink {
  w: ProtoWriter | undefined;
  put(key: string, value: AttributeValue): void {
    keyValue(this.w!, 9, key, value);
  }
  group(key: string, write: (out: KeyValueSink) => void): void {
    const w = this.w!;
    const known = encodedGroups.get(key);
    if (known) return w.raw(known);
    const start = w.length;
    write(this);
    if (encodedGroups.size < MAX_GROUPS) encodedGroups.set(key, w.since(start));
  }
})();

function link(w: ProtoWriter, data: LinkData): void {
  const start = w.begin(13);
  w.hex(1, data.traceId);
  w.hex(2, data.spanId);
  w.fixed32(6, (data.traceFlags & 0xff) | HAS_IS_REMOTE | (data.remote ? IS_REMOTE : 0));
  w.end(start);
}

/** One span, as the `spans` field of a ScopeSpans, appended to `w`. */
export function encodeSpan(w: ProtoWriter, s: SpanData): void {
  const start = w.begin(2);
  w.hex(1, s.traceId);
  w.hex(2, s.spanId);
  if (s.traceState) w.string(3, s.traceState);
  if (s.parentSpanId !== undefined) w.hex(4, s.parentSpanId);
  w.string(5, s.name);
  w.tag(6, 0);
  w.varint(s.kind);
  w.nanos(7, s.startMs);
  w.nanos(8, s.endMs);
  spanAttributes.w = w;
  s.attributes(spanAttributes);
  spanAttributes.w = undefined;
  for (const data of s.links) link(w, data);
  const status = w.begin(15);
  if (s.error !== undefined) {
    if (s.error) w.string(2, s.error);
    w.tag(3, 0);
    w.varint(STATUS_ERROR);
  }
  w.end(status);
  const remoteParent = s.parentSpanId !== undefined && s.parentRemote;
  w.fixed32(16, (s.traceFlags & 0xff) | HAS_IS_REMOTE | (remoteParent ? IS_REMOTE : 0));
  w.end(start);
}

const varintBytes = (value: number) => (value < 0x80 ? 1 : value < 0x4000 ? 2 : value < 0x200000 ? 3 : 4);
/** A length-delimited field with a one-byte tag. */
const fieldBytes = (length: number) => 1 + varintBytes(length) + length;

/**
 * One ExportTraceServiceRequest around the spans `spans` holds (encodeSpan): a ResourceSpans with the resource and
 * one ScopeSpans. `resource` and `scope` are the encoded Resource and InstrumentationScope (see `encodedMessage`).
 * Takes the spans out of `spans`; written into `reuse` when it is large enough (a buffer the sender gave back).
 */
export function encodeTraceRequest(
  resource: Uint8Array,
  scope: Uint8Array,
  spans: ProtoWriter,
  reuse?: ArrayBuffer,
): Buffer {
  const scopeSpans = fieldBytes(scope.length) + spans.length;
  const resourceSpans = fieldBytes(resource.length) + fieldBytes(scopeSpans);
  const head = new ProtoWriter(32 + resource.length + scope.length);
  head.tag(1, LENGTH_DELIMITED);
  head.varint(resourceSpans);
  head.bytes(1, resource);
  head.tag(2, LENGTH_DELIMITED);
  head.varint(scopeSpans);
  head.bytes(1, scope);
  return spans.take(head.take(), reuse);
}

/** A small message encoded once: the Resource (attributes, field 1) or the InstrumentationScope (name, version). */
export function encodedMessage(write: (w: ProtoWriter) => void): Buffer {
  const w = new ProtoWriter(1024);
  write(w);
  return w.take();
}
