// An upstream MCP server that speaks Streamable HTTP, usually another container of the same pod. A message-level
// transport, not a byte-level proxy: each JSON-RPC message the bridge forwards is POSTed, and whatever the server
// sends back (a JSON body, an SSE stream of messages, the standalone GET stream) comes back as messages, so the
// bridge's sessions, router, decorators, limits and metrics apply exactly as for a stdio server. One transport is
// one upstream HTTP session: its own Mcp-Session-Id (captured from the initialize answer) and MCP-Protocol-Version,
// ended with DELETE when the bridge closes it. The era of a message does not matter here: a 2026-07-28 request is
// POSTed the same way, with no session header when the server issued none.
//
// The client's HTTP request never reaches a transport (only the JSON-RPC message does), so its Authorization and
// identity headers cannot be forwarded; the headers sent are derived from the message (headers.ts).

import { setMaxListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';

import type { ClassifiedMessage, JsonRpcId, JsonRpcMessage } from '@mcp-sidecar/protocol';
import { type Dispatcher, request } from 'undici';

import { errorText } from '../../../errors.ts';
import { backoffDelay } from '../../supervisor.ts';
import type { Transport, TransportEnd, TransportEvents } from '../../transport.ts';
import { type Deliver, type ReadLimits, readEvents, readJson, type StreamCursor } from './answers.ts';
import { messageHeaders } from './headers.ts';
import { describeHttpError, errorDetail, failureAnswer, isRefused, statusError, streamError } from './failures.ts';

export interface HttpOptions extends ReadLimits {
  readonly url: string;
  /** The connection pool, shared by every transport to this upstream. */
  readonly dispatcher: Dispatcher;
  /** How long DELETE may take when the bridge ends the session. */
  readonly graceMs?: number;
}

/** Resumptions of one broken stream (GET + Last-Event-ID) before its request is failed. */
const MAX_RESUMES = 5;
/** Ceiling on a server's advised `retry`, so a typo in a server cannot stall a request for hours. */
const MAX_RETRY_MS = 10_000;

export function connectHttp(options: HttpOptions, events: TransportEvents): Transport {
  return new HttpTransport(options, events);
}

type Response = Dispatcher.ResponseData;

class HttpTransport implements Transport {
  readonly description: string;
  readonly #options: HttpOptions;
  readonly #events: TransportEvents;
  /** Aborts every request under way (POSTs, GET streams) when the transport ends: one signal for all of them. */
  readonly #abort = new AbortController();
  #sessionId: string | undefined;
  #protocolVersion: string | undefined;
  #initializeId: JsonRpcId | undefined;
  /** The server answered at least once: from then on, losing it is a crash rather than "not there yet". */
  #connected = false;
  #listening = false;
  #closing = false;
  #end: TransportEnd | undefined;

  constructor(options: HttpOptions, events: TransportEvents) {
    // Every request under way listens on the one signal; their number is bounded by the router, not by 10.
    setMaxListeners(0, this.#abort.signal);
    this.description = options.url;
    this.#options = options;
    this.#events = events;
  }

  get ended(): boolean {
    return this.#end !== undefined;
  }

  send(message: JsonRpcMessage): void {
    if (this.#end === undefined && !this.#closing) void this.#post(message);
  }

  async close(): Promise<void> {
    if (this.#end !== undefined || this.#closing) return;
    this.#closing = true;
    this.#abort.abort();
    if (this.#sessionId !== undefined) await this.#deleteSession();
    this.#finish({ description: `session with ${this.description} was closed by the bridge`, started: true });
  }

  async #post(message: JsonRpcMessage): Promise<void> {
    const requestId = 'method' in message && 'id' in message ? message.id : undefined;
    if (requestId !== undefined && 'method' in message && message.method === 'initialize') {
      this.#initializeId = requestId;
    }
    const what = 'method' in message ? message.method : 'a response';
    const cursor: StreamCursor = { lastEventId: undefined, retryMs: undefined, requestId, what, answered: false };
    await this.#exchange(async (signal) => {
      const response = await request(this.description, {
        method: 'POST',
        headers: this.#headers(messageHeaders(message)),
        body: JSON.stringify(message),
        signal,
        dispatcher: this.#options.dispatcher,
      });
      this.#connected = true;
      await this.#answer(response, cursor);
    }, cursor);
  }

  /** Runs one HTTP exchange (aborted with the transport), turning a failure into the right event. */
  async #exchange(run: (signal: AbortSignal) => Promise<void>, cursor: StreamCursor): Promise<void> {
    try {
      await run(this.#abort.signal);
    } catch (error) {
      if (!this.#closing && this.#end === undefined) this.#failed(error, cursor);
    }
  }

  async #answer(response: Response, cursor: StreamCursor): Promise<void> {
    const { statusCode: status, headers, body } = response;
    if (cursor.requestId !== undefined && cursor.requestId === this.#initializeId) this.#adoptSession(headers);
    if (status === 404 && this.#sessionId !== undefined) {
      await body.dump();
      return this.#sessionGone();
    }
    if (status >= 400) return this.#refused(status, await errorDetail(body), cursor);
    const type = String(headers['content-type'] ?? '');
    if (type.startsWith('text/event-stream')) return this.#stream(body, cursor);
    if (type.startsWith('application/json')) {
      const length = Number(headers['content-length'] ?? NaN);
      const known = Number.isInteger(length) ? length : undefined;
      return readJson(body, known, this.#options, this.#events, this.#deliver, cursor);
    }
    await body.dump();
    if (cursor.what === 'notifications/initialized') void this.#listen();
    if (cursor.requestId !== undefined) this.#refused(status, 'a success status with no answer in it', cursor);
  }

  #adoptSession(headers: Response['headers']): void {
    const id = headers['mcp-session-id'];
    if (typeof id === 'string' && /^[\x21-\x7e]+$/.test(id)) this.#sessionId = id;
  }

  readonly #deliver: Deliver = (message: ClassifiedMessage, cursor?: StreamCursor) => {
    if (message.kind === 'response') {
      const { id } = message.message;
      if (cursor && id === cursor.requestId) cursor.answered = true;
      if (id === this.#initializeId && this.#initializeId !== undefined) this.#adoptVersion(message);
    }
    this.#events.onMessage(message);
  };

  #adoptVersion(message: ClassifiedMessage): void {
    const result = (message.message as { result?: { protocolVersion?: unknown } }).result;
    if (typeof result?.protocolVersion === 'string') this.#protocolVersion = result.protocolVersion;
  }

  /** Reads an SSE answer; when it breaks before the answer came, resumes it with GET + Last-Event-ID. */
  async #stream(body: Response['body'], cursor: StreamCursor): Promise<void> {
    let stream = body;
    for (let resumes = 0; ; resumes += 1) {
      const clean = await readEvents(stream, this.#options, this.#events, this.#deliver, cursor);
      if (this.#end !== undefined || this.#closing || cursor.answered || cursor.requestId === undefined) return;
      const why = clean ? 'closed the stream' : 'broke the stream';
      if (cursor.lastEventId === undefined || resumes >= MAX_RESUMES) return this.#lost(cursor, why);
      await sleep(Math.min(cursor.retryMs ?? 0, MAX_RETRY_MS));
      const resumed = await this.#resume(cursor.lastEventId);
      if (!resumed) return this.#lost(cursor, why);
      stream = resumed;
    }
  }

  /** GET + Last-Event-ID: the server replays what the broken stream missed, then carries on. */
  async #resume(lastEventId: string): Promise<Response['body'] | undefined> {
    const response = await request(this.description, {
      method: 'GET',
      headers: this.#headers({ accept: 'text/event-stream', 'last-event-id': lastEventId }),
      dispatcher: this.#options.dispatcher,
    }).catch(() => undefined);
    if (response?.statusCode === 200) return response.body;
    await response?.body.dump();
    return undefined;
  }

  /**
   * The standalone GET stream, for messages the server sends outside any request. Reopened (resuming with
   * Last-Event-ID) whenever it ends, until the transport ends; a server that offers none answers 405.
   */
  async #listen(): Promise<void> {
    if (this.#listening) return;
    this.#listening = true;
    const cursor: StreamCursor = {
      lastEventId: undefined,
      retryMs: undefined,
      requestId: undefined,
      what: 'the GET stream',
      answered: false,
    };
    for (let failures = 0; this.#end === undefined && !this.#closing;) {
      const outcome = await this.#listenOnce(cursor);
      if (outcome === 'unsupported') return;
      failures = outcome === 'read' ? 0 : failures + 1;
      await sleep(Math.min(cursor.retryMs ?? backoffDelay(failures + 1, 250, MAX_RETRY_MS), MAX_RETRY_MS));
    }
  }

  async #listenOnce(cursor: StreamCursor): Promise<'read' | 'failed' | 'unsupported'> {
    let outcome: 'read' | 'failed' | 'unsupported' = 'failed';
    const extra: Record<string, string> = { accept: 'text/event-stream' };
    if (cursor.lastEventId !== undefined) extra['last-event-id'] = cursor.lastEventId;
    await this.#exchange(async (signal) => {
      const response = await request(this.description, {
        method: 'GET',
        headers: this.#headers(extra),
        signal,
        dispatcher: this.#options.dispatcher,
      });
      if (response.statusCode === 404 && this.#sessionId !== undefined) this.#sessionGone();
      if (response.statusCode !== 200) {
        outcome = response.statusCode === 405 || response.statusCode === 404 ? 'unsupported' : 'failed';
        return void (await response.body.dump());
      }
      await readEvents(response.body, this.#options, this.#events, this.#deliver, cursor);
      outcome = 'read';
    }, cursor);
    return outcome;
  }

  #headers(extra: Record<string, string>): Record<string, string> {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...extra,
    };
    if (this.#sessionId !== undefined) headers['mcp-session-id'] = this.#sessionId;
    if (this.#protocolVersion !== undefined) headers['mcp-protocol-version'] = this.#protocolVersion;
    return headers;
  }

  /** A request failed at the HTTP level: its caller gets a JSON-RPC error saying so (nothing else is told). */
  #refused(status: number, detail: string, cursor: StreamCursor): void {
    if (cursor.requestId === undefined) {
      this.#events.onLog(`mcp-sidecar: ${this.description} answered ${cursor.what} with HTTP ${status}: ${detail}`);
      return;
    }
    this.#deliver(failureAnswer(cursor.requestId, statusError(this.description, status, cursor.what, detail)));
  }

  #lost(cursor: StreamCursor, why: string): void {
    if (cursor.requestId === undefined) return;
    this.#deliver(failureAnswer(cursor.requestId, streamError(this.description, cursor.what, why)));
  }

  /** A POST or GET failed below HTTP: a server not there yet, a server gone, or a connection that broke. */
  #failed(error: unknown, cursor: StreamCursor): void {
    const why = describeHttpError(error);
    if (!this.#connected) {
      return this.#finish({ description: `is not reachable at ${this.description}: ${why}`, started: false });
    }
    if (isRefused(error)) {
      return this.#finish({
        description: `at ${this.description} stopped accepting connections (${why})`,
        started: true,
      });
    }
    this.#lost(cursor, `failed (${errorText(error)})`);
  }

  #sessionGone(): void {
    const id = this.#sessionId;
    this.#sessionId = undefined;
    this.#finish({ description: `at ${this.description} ended its session ${id} (HTTP 404)`, started: true });
  }

  async #deleteSession(): Promise<void> {
    const deadline = AbortSignal.timeout(this.#options.graceMs ?? 2_000);
    const response = await request(this.description, {
      method: 'DELETE',
      headers: this.#headers({}),
      signal: deadline,
      dispatcher: this.#options.dispatcher,
    }).catch(() => undefined);
    await response?.body.dump().catch(() => undefined);
  }

  #finish(end: TransportEnd): void {
    if (this.#end !== undefined) return;
    this.#end = end;
    this.#abort.abort();
    this.#events.onEnd(end);
  }
}
