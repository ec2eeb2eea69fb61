// Trace and span ids: random bytes as lowercase hex, drawn from a pool refilled by the system's CSPRNG 4 KiB at a
// time (one syscall per ~200 spans instead of one per id). An all-zero id is invalid in W3C trace context and is
// drawn again.

import { randomFillSync } from 'node:crypto';

const POOL_BYTES = 4096;

export class RandomIds {
  readonly #pool = Buffer.allocUnsafe(POOL_BYTES);
  #at = POOL_BYTES;

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
      const start = this.#at;
      this.#at += bytes;
      for (let i = start; i < this.#at; i++)
        if (this.#pool[i] !== 0) return this.#pool.toString('hex', start, this.#at);
    }
  }
}
