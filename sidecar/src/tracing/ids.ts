// Trace and span ids: random bytes from the system's CSPRNG, drawn from a pool refilled 4 KiB at a time (one
// syscall per ~130 traced requests), written as lowercase hex through a byte → two-digit table into one scratch
// buffer, and made a string once. Each id costs a traced request a small fraction of what a hex conversion per id
// did. An all-zero id is invalid in W3C trace context and is drawn again.

import { randomFillSync } from 'node:crypto';

const POOL_BYTES = 4096;
/** Byte b's two lowercase hex digits, as character codes at 2b and 2b + 1. */
const HEX = Buffer.from(
  Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0')).join(''),
  'latin1',
);

export class RandomIds {
  readonly #pool = Buffer.allocUnsafe(POOL_BYTES);
  #at = POOL_BYTES;
  readonly #text = Buffer.allocUnsafe(32);

  traceId(): string {
    return this.#draw(16);
  }

  spanId(): string {
    return this.#draw(8);
  }

  #draw(bytes: number): string {
    for (;;) {
      if (this.#at + bytes > POOL_BYTES) {
        randomFillSync(this.#pool);
        this.#at = 0;
      }
      let any = 0;
      for (let i = 0; i < bytes; i++) {
        const byte = this.#pool[this.#at++]!;
        any |= byte;
        this.#text[2 * i] = HEX[2 * byte]!;
        this.#text[2 * i + 1] = HEX[2 * byte + 1]!;
      }
      if (any !== 0) return this.#text.toString('latin1', 0, 2 * bytes);
    }
  }
}
