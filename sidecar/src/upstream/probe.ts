// One request the bridge sends a connection before its handshake, answered outside the router (it belongs to no
// session and must not count as a request in flight): the start-up server/discover that tells a 2026-07-28 server
// from a 2025 one. Waits at most `timeoutMs`; a late answer is still recognised by its id and dropped. A connection
// that ends first rejects the probe: a server that could not be reached has said nothing about its era.

import type { ClassifiedMessage, JsonRpcRequest, JsonRpcResponse } from '@mcp-sidecar/protocol';

export const PROBE_ID = 'mcp-sidecar-probe';

export class ProbeSlot {
  #waiting: ((response: JsonRpcResponse | undefined | Error) => void) | undefined;

  /** Sends `request` (its id replaced by PROBE_ID) with `send`; resolves with the answer, or undefined on timeout. */
  ask(send: (request: JsonRpcRequest) => void, request: Omit<JsonRpcRequest, 'id'>, timeoutMs: number) {
    return new Promise<JsonRpcResponse | undefined>((resolve, reject) => {
      const timer = setTimeout(() => this.#settle(undefined), timeoutMs);
      this.#waiting = (response) => {
        clearTimeout(timer);
        if (response instanceof Error) reject(response);
        else resolve(response);
      };
      send({ ...request, id: PROBE_ID });
    });
  }

  /** True when `message` is the probe's answer (it is then consumed here, whether or not anyone still waits). */
  take(message: ClassifiedMessage): boolean {
    if (message.kind !== 'response' || message.message.id !== PROBE_ID) return false;
    this.#settle(message.message);
    return true;
  }

  /** The connection ended: a waiting probe fails (the handshake then fails, and is retried like any other). */
  ended(): void {
    this.#settle(new Error('the connection ended before it answered server/discover'));
  }

  #settle(response: JsonRpcResponse | undefined | Error): void {
    const waiting = this.#waiting;
    this.#waiting = undefined;
    waiting?.(response);
  }
}
