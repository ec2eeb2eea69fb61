// The legacy HTTP+SSE transport's (2024-11-05) one SSE connection: every message of the session, responses
// included, goes out on it as a `message` event.

import type { ServerResponse } from 'node:http';

import type { JsonRpcMessage } from '@mcp-sidecar/protocol';

import type { ResponseSink } from '../context.ts';
import { namedEvent } from './sse.ts';

/** The legacy transport's SSE connection: every message of the session goes out on it as a `message` event. */
export class LegacyStream implements ResponseSink {
  #res: ServerResponse | null;
  /** The caller that opened the stream (principalOf); only it may open the session on it. */
  readonly principal: string;

  constructor(res: ServerResponse, principal: string) {
    this.#res = res;
    this.principal = principal;
    res.once('close', () => (this.#res = null));
  }

  get attached(): boolean {
    return this.#res !== null;
  }

  deliver(message: JsonRpcMessage): void {
    this.#res?.write(namedEvent('message', JSON.stringify(message)));
  }

  /** A cancelled request: nothing to close on the shared stream. */
  end(): void {}

  keepalive(comment: string): void {
    this.#res?.write(comment);
  }

  close(): void {
    this.#res?.end();
    this.#res = null;
  }
}
