// One request the bridge sends a connection before its handshake, answered outside the router (it belongs to no
// session and must not count as a request in flight): the start-up server/discover that tells a 2026-07-28 server
// from a 2025 one. Waits at most `timeoutMs`; a late answer is still recognised by its id and dropped.

import type { ClassifiedMessage, JsonRpcRequest, JsonRpcResponse } from '@mcp-sidecar/protocol';

export const PROBE_ID = 'mcp-sidecar-probe';

export class ProbeSlot {
  #waiting: ((response: JsonRpcResponse | undefined) => void) | undefined;

  /** Sends `request` (its id replaced by PROBE_ID) with `send`; resolves with the answer, or undefined on timeout. */
  ask(send: (request: JsonRpcRequest) => void, request: Omit<JsonRpcRequest, 'id'>, timeoutMs: number) {
    return new Promise<JsonRpcResponse | undefined>((resolve) => {
      const timer = setTimeout(() => this.#settle(undefined), timeoutMs);
      this.#waiting = (response) => {
        clearTimeout(timer);
        resolve(response);
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

  /** The connection ended: a waiting probe has its answer (none). */
  ended(): void {
    this.#settle(undefined);
  }

  #settle(response: JsonRpcResponse | undefined): void {
    const waiting = this.#waiting;
    this.#waiting = undefined;
    waiting?.(response);
  }
}
