// A minimal MCP Streamable HTTP client on undici: just enough for session set-up, readiness probes, a correctness
// check and the new-session timings. No SDK, so its own cost stays small and identical for every target.
import { Agent, request } from 'undici';

export const PROTOCOL_VERSION = '2025-11-25';

export type JsonRpcMessage = {
  jsonrpc: '2.0';
  id?: number | string | null;
  method?: string;
  params?: unknown;
  result?: unknown;
  error?: { code: number; message: string };
};

export type PostResult = { status: number; sessionId: string | undefined; reply: JsonRpcMessage | undefined };

const ACCEPT = 'application/json, text/event-stream';

/** Splits an SSE buffer into complete events' data payloads; returns them and the unconsumed tail. */
function sseEvents(buffer: string): { data: string[]; rest: string } {
  const normalized = buffer.replace(/\r\n?/g, '\n');
  const blocks = normalized.split('\n\n');
  const rest = blocks.pop() ?? '';
  const data = blocks
    .map((block) =>
      block
        .split('\n')
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice(5).replace(/^ /, ''))
        .join('\n'),
    )
    .filter((payload) => payload.trim() !== '');
  return { data, rest };
}

/** Reads SSE until the response to `id` arrives (a bridge may keep the stream open after it). */
async function readSseReply(body: AsyncIterable<Buffer>, id: number): Promise<JsonRpcMessage | undefined> {
  let buffer = '';
  for await (const chunk of body) {
    buffer += chunk.toString('utf8');
    const { data, rest } = sseEvents(buffer);
    buffer = rest;
    for (const payload of data) {
      const message = JSON.parse(payload) as JsonRpcMessage;
      if (message.id === id && (message.result !== undefined || message.error !== undefined)) return message;
    }
  }
  return undefined;
}

export class McpHttpClient {
  readonly url: string;
  readonly #agent: Agent;
  #nextId = 1;

  constructor(url: string) {
    this.url = url;
    // The TLS row serves a self-signed certificate made for the run: encrypt, do not verify (as wrk does).
    const connect = url.startsWith('https:') ? { rejectUnauthorized: false } : undefined;
    this.#agent = new Agent({ connections: 8, headersTimeout: 15_000, bodyTimeout: 15_000, connect });
  }

  /** POSTs one JSON-RPC message; for requests, waits for and returns the matching response (JSON or SSE). */
  async post(message: Omit<JsonRpcMessage, 'jsonrpc' | 'id'>, sessionId?: string): Promise<PostResult> {
    const isRequest = !message.method?.startsWith('notifications/');
    const id = isRequest ? this.#nextId++ : undefined;
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: ACCEPT };
    if (sessionId) headers['mcp-session-id'] = sessionId;
    if (message.method !== 'initialize') headers['mcp-protocol-version'] = PROTOCOL_VERSION;
    const response = await request(this.url, {
      method: 'POST',
      headers,
      body: JSON.stringify({ jsonrpc: '2.0', ...(id === undefined ? {} : { id }), ...message }),
      dispatcher: this.#agent,
    });
    const header = response.headers['mcp-session-id'];
    const result: PostResult = { status: response.statusCode, sessionId: firstHeader(header), reply: undefined };
    const type = firstHeader(response.headers['content-type']) ?? '';
    if (id === undefined || response.statusCode >= 300) {
      await response.body.dump();
    } else if (type.startsWith('text/event-stream')) {
      result.reply = await readSseReply(response.body, id);
      if (!response.body.destroyed) response.body.destroy(); // stream left open by the server: drop it
    } else {
      result.reply = (await response.body.json()) as JsonRpcMessage;
    }
    return result;
  }

  /** initialize (must answer a result) and notifications/initialized (must answer 2xx). Returns the session id. */
  async initialize(): Promise<{ sessionId: string | undefined; protocolVersion: unknown }> {
    const init = await this.post({
      method: 'initialize',
      params: { protocolVersion: PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: 'bench', version: '1' } },
    });
    const result = expectResult(init, 'initialize') as { protocolVersion?: unknown };
    const note = await this.post({ method: 'notifications/initialized' }, init.sessionId);
    if (note.status < 200 || note.status > 299) throw new Error(`notifications/initialized answered ${note.status}`);
    return { sessionId: init.sessionId, protocolVersion: result.protocolVersion };
  }

  async request(method: string, params: unknown, sessionId: string | undefined): Promise<unknown> {
    return expectResult(await this.post({ method, params }, sessionId), method);
  }

  /** Ends a session (best effort: the bare ceiling has none and answers 405). */
  async deleteSession(sessionId: string | undefined): Promise<void> {
    if (!sessionId) return;
    const headers = { 'mcp-session-id': sessionId, 'mcp-protocol-version': PROTOCOL_VERSION };
    const response = await request(this.url, { method: 'DELETE', headers, dispatcher: this.#agent });
    await response.body.dump();
  }

  async close(): Promise<void> {
    await this.#agent.destroy();
  }
}

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function expectResult(posted: PostResult, method: string): unknown {
  if (posted.status !== 200) throw new Error(`${method} answered HTTP ${posted.status}`);
  if (!posted.reply) throw new Error(`${method}: no JSON-RPC response in the body`);
  if (posted.reply.error) throw new Error(`${method}: JSON-RPC error ${JSON.stringify(posted.reply.error)}`);
  return posted.reply.result;
}

/** GET a URL and report its status (for /readyz); network errors count as "not yet". */
export async function httpStatus(url: string): Promise<number | undefined> {
  try {
    const response = await request(url, { method: 'GET', headersTimeout: 2000, bodyTimeout: 2000 });
    await response.body.dump();
    return response.statusCode;
  } catch {
    return undefined;
  }
}
