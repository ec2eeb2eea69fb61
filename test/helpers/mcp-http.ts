// Raw Streamable HTTP for tests that check exact status codes and headers, below what an SDK client shows.

export const MCP_HEADERS = {
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
} as const;

export interface RawSession {
  readonly id: string;
  readonly initialize: unknown;
  post(body: unknown, headers?: Record<string, string>): Promise<Response>;
  /** POSTs a request and returns its JSON-RPC answer, whether it came as JSON or as an SSE stream. */
  call(method: string, params?: Record<string, unknown>, id?: string | number): Promise<JsonRpcAnswer>;
}

export interface JsonRpcAnswer {
  readonly id?: string | number | null;
  readonly result?: Record<string, unknown>;
  readonly error?: { code: number; message: string; data?: unknown };
  /** Everything else that came on the request's stream before the answer (notifications, requests). */
  readonly before: Record<string, unknown>[];
}

let nextId = 1;

export const initializeRequest = (id: string | number = 0, protocolVersion = '2025-11-25', capabilities = {}) => ({
  jsonrpc: '2.0',
  id,
  method: 'initialize',
  params: { protocolVersion, capabilities, clientInfo: { name: 'raw-test', version: '1.0.0' } },
});

/** initialize + notifications/initialized; returns helpers bound to the new session. */
export async function openRawSession(url: string, capabilities: Record<string, unknown> = {}): Promise<RawSession> {
  const response = await fetch(url, {
    method: 'POST',
    headers: MCP_HEADERS,
    body: JSON.stringify(initializeRequest(0, '2025-11-25', capabilities)),
  });
  const id = response.headers.get('mcp-session-id');
  if (!response.ok || !id) throw new Error(`initialize failed: ${response.status} ${await response.text()}`);
  const initialize = await readAnswer(response);
  const headers = { ...MCP_HEADERS, 'mcp-session-id': id, 'mcp-protocol-version': '2025-11-25' };
  const post = (body: unknown, extra: Record<string, string> = {}) =>
    fetch(url, { method: 'POST', headers: { ...headers, ...extra }, body: JSON.stringify(body) });
  await post({ jsonrpc: '2.0', method: 'notifications/initialized' });
  return {
    id,
    initialize,
    post,
    call: async (method, params, requestId = nextId++) =>
      readAnswer(await post({ jsonrpc: '2.0', id: requestId, method, ...(params ? { params } : {}) })),
  };
}

/** Reads a POST answer: one JSON object, or the SSE events up to the response. */
export async function readAnswer(response: Response): Promise<JsonRpcAnswer> {
  const type = response.headers.get('content-type') ?? '';
  if (type.startsWith('application/json')) return { ...((await response.json()) as object), before: [] };
  const messages = sseMessages(await response.text());
  const index = messages.findIndex((message) => 'result' in message || 'error' in message);
  if (index === -1) throw new Error(`no response in the SSE stream: ${JSON.stringify(messages)}`);
  return { ...(messages[index] as object), before: messages.slice(0, index) };
}

/** The JSON messages of an SSE body (priming events and comments skipped). */
export function sseMessages(body: string): Record<string, unknown>[] {
  const messages: Record<string, unknown>[] = [];
  for (const block of body.split('\n\n')) {
    const data = block
      .split('\n')
      .filter((line) => line.startsWith('data:'))
      .map((line) => line.slice(5).trim())
      .join('');
    if (data) messages.push(JSON.parse(data) as Record<string, unknown>);
  }
  return messages;
}
