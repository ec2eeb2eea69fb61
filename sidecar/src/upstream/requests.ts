// Requests the bridge itself sends upstream (handshake, warm-up, restoring subscriptions), each waiting for its
// answer with a timeout. The router gives them ids and hands their answers back as `internal` effects.

import type { JsonRpcResponse } from '@mcp-sidecar/protocol';

/** Internal requests may wait this long; npx may be downloading the server first. */
export const INTERNAL_TIMEOUT_MS = 120_000;

export class InternalRequests {
  readonly #waiting = new Map<number, (response: JsonRpcResponse) => void>();

  /** Waits for the answer to request `id`; rejects naming `method` when none comes within `timeoutMs`. */
  wait(id: number, method: string, timeoutMs = INTERNAL_TIMEOUT_MS): Promise<JsonRpcResponse> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiting.delete(id);
        reject(new Error(`${method} got no answer within ${timeoutMs / 1000} s`));
      }, timeoutMs);
      this.#waiting.set(id, (response) => {
        clearTimeout(timer);
        resolve(response);
      });
    });
  }

  /** True while the bridge's own request `id` waits for its answer. */
  has(id: number): boolean {
    return this.#waiting.has(id);
  }

  settle(id: number, response: JsonRpcResponse): void {
    this.#waiting.get(id)?.(response);
    this.#waiting.delete(id);
  }
}
