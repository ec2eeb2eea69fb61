// The HTTP answer to one 2026-07-28 request (one round of a call). Like a 2025 answer it is a single JSON body when
// the result is the first thing to send, and an SSE stream once a notification must go first or the call runs
// longer than JSON_WINDOW_MS. Unlike one it is not resumable (no event ids, no store: streamable-http.mdx "Resumable
// SSE streams … are not supported"), and the client closing it before the answer cancels the request: `onClose`.

import type { ServerResponse } from 'node:http';

import type { JsonRpcId, JsonRpcMessage } from '@mcp-sidecar/protocol';

import type { HttpRefusal } from '../errors.ts';
import { refuseWith } from '../http/replies.ts';
import { sseEvent, startSse } from '../session/sse.ts';

export class ModernReply {
  /** The id of the request this answers, as the client wrote it (exactId). */
  readonly id: JsonRpcId;
  readonly startedAt = performance.now();
  readonly #res: ServerResponse;
  #mode: 'pending' | 'sse' | 'done' = 'pending';
  /** Runs when the client goes away before the answer was sent: the call it answers is cancelled. */
  onClose: (() => void) | undefined;

  constructor(res: ServerResponse, id: JsonRpcId) {
    this.#res = res;
    this.id = id;
    res.once('close', () => {
      if (this.#mode === 'done') return;
      this.#mode = 'done';
      this.onClose?.();
    });
  }

  get done(): boolean {
    return this.#mode === 'done';
  }

  get pending(): boolean {
    return this.#mode === 'pending';
  }

  /** A notification that belongs to the request (progress, a requested log): the answer becomes a stream. */
  event(message: JsonRpcMessage): void {
    if (this.#mode === 'done') return;
    if (this.#mode === 'pending') this.#becomeSse(false);
    this.#res.write(sseEvent(undefined, JSON.stringify(message)));
  }

  /** The answer; it ends the response. */
  send(message: JsonRpcMessage): void {
    if (this.#mode === 'done') return;
    const data = JSON.stringify(message);
    const res = this.#res;
    if (this.#mode === 'pending') {
      this.#mode = 'done';
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(data)) });
      res.end(data);
      return;
    }
    this.#mode = 'done';
    res.end(sseEvent(undefined, data));
  }

  /** An error answer with its HTTP status, or as the stream's last event once the stream has started. */
  refuse(refusal: HttpRefusal): void {
    if (this.#mode === 'done') return;
    if (this.#mode === 'pending') {
      this.#mode = 'done';
      refuseWith(this.#res, refusal, this.id);
      return;
    }
    const error = { code: refusal.rpcCode, message: refusal.message, data: refusal.data };
    this.send({ jsonrpc: '2.0', id: this.id, error });
  }

  /** Ends the response without an answer (the request was cancelled). */
  abort(): void {
    if (this.#mode === 'done') return;
    this.#mode = 'done';
    this.#res.end();
  }

  /** Called periodically: a long call becomes SSE, so keep-alive comments can flow. */
  upgradeIfOlderThan(now: number, windowMs: number): void {
    if (this.#mode === 'pending' && now - this.startedAt >= windowMs) this.#becomeSse(true);
  }

  keepalive(comment: string): void {
    if (this.#mode === 'sse') this.#res.write(comment);
  }

  #becomeSse(flush: boolean): void {
    this.#mode = 'sse';
    startSse(this.#res, {}, flush);
  }
}
