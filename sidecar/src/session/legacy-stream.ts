// The legacy HTTP+SSE transport's (2024-11-05) one SSE connection: every message of the session, responses
// included, goes out on it as a `message` event, through a BoundedWriter (a client that stops reading is cut off
// once it is as far behind as a session's event store would keep; the legacy transport has no resumption).

import type { ServerResponse } from 'node:http';

import type { JsonRpcMessage } from '@mcp-sidecar/protocol';

import type { ResponseSink } from '../context.ts';
import { BoundedWriter, type StreamBounds } from './bounded-writer.ts';
import { namedEvent, startSse } from './sse.ts';

/** The legacy transport's SSE connection: every message of the session goes out on it as a `message` event. */
export class LegacyStream implements ResponseSink {
  readonly #out: BoundedWriter;
  /** The caller that opened the stream (principalOf); only it may open the session on it. */
  readonly principal: string;

  /** Opens the stream and announces where the client POSTs its messages (the `endpoint` event). */
  constructor(res: ServerResponse, principal: string, bounds: StreamBounds, endpoint: string) {
    this.principal = principal;
    startSse(res, {}, true);
    this.#out = new BoundedWriter(res, bounds, 'legacy');
    this.#out.write(namedEvent('endpoint', endpoint));
  }

  get attached(): boolean {
    return this.#out.open;
  }

  deliver(message: JsonRpcMessage): void {
    this.#out.write(namedEvent('message', JSON.stringify(message)));
  }

  /** A cancelled request: nothing to close on the shared stream. */
  end(): void {}

  keepalive(comment: string): void {
    this.#out.keepalive(comment);
  }

  close(): void {
    this.#out.close();
  }
}
