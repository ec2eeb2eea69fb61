// Raw 2026-07-28 requests for tests that check exact statuses, codes and headers: no session, the envelope in
// `params._meta`, MCP-Protocol-Version, Mcp-Method and (for tools/call, prompts/get, resources/read) Mcp-Name.

import { MCP_HEADERS, readAnswer, type JsonRpcAnswer } from './mcp-http.ts';

export const MODERN_VERSION = '2026-07-28';

export interface ModernOptions {
  /** `_meta` clientCapabilities; none by default. */
  readonly capabilities?: Record<string, unknown>;
  /** Extra `_meta` keys (logLevel, progressToken…). */
  readonly meta?: Record<string, unknown>;
  /** Headers to add or override (e.g. a wrong Mcp-Name). */
  readonly headers?: Record<string, string>;
  readonly signal?: AbortSignal;
}

let nextId = 1;

export const envelope = (capabilities: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) => ({
  'io.modelcontextprotocol/protocolVersion': MODERN_VERSION,
  'io.modelcontextprotocol/clientInfo': { name: 'raw-modern-test', version: '1.0.0' },
  'io.modelcontextprotocol/clientCapabilities': capabilities,
  ...extra,
});

/** The headers a 2026-07-28 client sends for this request. */
export function modernHeaders(method: string, params: Record<string, unknown>): Record<string, string> {
  const name = params['name'] ?? params['uri'];
  const named = ['tools/call', 'prompts/get', 'resources/read'].includes(method) && typeof name === 'string';
  return {
    ...MCP_HEADERS,
    'mcp-protocol-version': MODERN_VERSION,
    'mcp-method': method,
    ...(named ? { 'mcp-name': name } : {}),
  };
}

/** POSTs one 2026-07-28 request and returns the raw response. */
export function modernPost(
  url: string,
  method: string,
  params: Record<string, unknown> = {},
  options: ModernOptions = {},
  id: string | number = nextId++,
): Promise<Response> {
  const body = {
    jsonrpc: '2.0',
    id,
    method,
    params: { ...params, _meta: envelope(options.capabilities, options.meta) },
  };
  return fetch(url, {
    method: 'POST',
    headers: { ...modernHeaders(method, params), ...options.headers },
    body: JSON.stringify(body),
    signal: options.signal,
  });
}

/** POSTs one 2026-07-28 request and reads its answer (JSON, or the SSE stream up to the response). */
export async function modernCall(
  url: string,
  method: string,
  params: Record<string, unknown> = {},
  options: ModernOptions = {},
): Promise<JsonRpcAnswer & { status: number }> {
  const response = await modernPost(url, method, params, options);
  return { ...(await readAnswer(response)), status: response.status };
}
