// Shared set-up of the http-*.test.ts suites: the bridge in front of test/fixtures/scripted-server.ts, raw sessions
// at a chosen protocol version, and small readers for the admin /status page.

import type { BridgeConfig } from '@mcp-sidecar/contract';

import type { Bridge } from '../src/bridge.ts';
import { fixtureCommand, startInProcess } from '../../test/helpers/bridge-process.ts';
import { initializeRequest, MCP_HEADERS, readAnswer } from '../../test/helpers/mcp-http.ts';
import { openStream, type SseEvent, type SseReader } from '../../test/helpers/sse-stream.ts';

export const SCRIPTED = fixtureCommand('scripted-server.ts');
export const MODES = ['shared', 'per-session'] as const;

/** The bridge in front of the scripted fixture, quick to shut down; per-session mode keeps a few children warm. */
export const startScripted = (overrides: Partial<BridgeConfig> = {}): Promise<Bridge> =>
  startInProcess({ shutdownGrace: 100, poolMin: 3, ...overrides }, SCRIPTED); // startInProcess logs nothing

export interface Session {
  readonly url: string;
  readonly id: string;
  readonly protocolVersion: string;
  /** Headers of a follow-up request in this session. */
  headers(extra?: Record<string, string>): Record<string, string>;
  post(body: unknown, extra?: Record<string, string>): Promise<Response>;
  /** POSTs and returns the response with an SSE reader on its body (usable when the answer is a stream). */
  stream(body: unknown, extra?: Record<string, string>): ReturnType<typeof openStream>;
  /** Opens the standalone GET stream. */
  listen(extra?: Record<string, string>): ReturnType<typeof openStream>;
  /** POSTs a request and reads its JSON-RPC answer (JSON or SSE). */
  call(id: string | number, method: string, params?: Record<string, unknown>): ReturnType<typeof readAnswer>;
  /** tools/call of the scripted fixture, returning the text of the result. */
  tool(id: string | number, name: string, args?: Record<string, unknown>): Promise<string>;
  delete(): Promise<Response>;
}

/** initialize (at `protocolVersion`) + notifications/initialized, as a raw client would. */
export async function openSession(
  url: string,
  protocolVersion = '2025-11-25',
  capabilities: Record<string, unknown> = {},
): Promise<Session> {
  const response = await fetch(url, {
    method: 'POST',
    headers: MCP_HEADERS,
    body: JSON.stringify(initializeRequest(0, protocolVersion, capabilities)),
  });
  const id = response.headers.get('mcp-session-id');
  if (!response.ok || !id) throw new Error(`initialize failed: ${response.status} ${await response.text()}`);
  await readAnswer(response);
  const headers = (extra: Record<string, string> = {}) => ({
    ...MCP_HEADERS,
    'mcp-session-id': id,
    // The header exists since 2025-06-18 (V1); older clients never send it.
    ...(protocolVersion >= '2025-06-18' ? { 'mcp-protocol-version': protocolVersion } : {}),
    ...extra,
  });
  const post = (body: unknown, extra?: Record<string, string>) =>
    fetch(url, { method: 'POST', headers: headers(extra), body: JSON.stringify(body) });
  const session: Session = {
    url,
    id,
    protocolVersion,
    headers,
    post,
    stream: (body, extra) => openStream(url, { method: 'POST', headers: headers(extra), body: JSON.stringify(body) }),
    listen: (extra) => openStream(url, { method: 'GET', headers: headers({ accept: 'text/event-stream', ...extra }) }),
    call: async (requestId, method, params) =>
      readAnswer(await post({ jsonrpc: '2.0', id: requestId, method, ...(params ? { params } : {}) })),
    tool: async (requestId, name, args = {}) => {
      const answer = await session.call(requestId, 'tools/call', { name, arguments: args });
      const content = answer.result?.['content'] as { text: string }[] | undefined;
      if (!content?.[0]) throw new Error(`tools/call ${name} failed: ${JSON.stringify(answer)}`);
      return content[0].text;
    },
    delete: () => fetch(url, { method: 'DELETE', headers: headers() }),
  };
  const initialized = await post({ jsonrpc: '2.0', method: 'notifications/initialized' });
  if (initialized.status !== 202) throw new Error(`notifications/initialized got ${initialized.status}`);
  return session;
}

export const toolCall = (id: string | number, name: string, args: Record<string, unknown> = {}, token?: string) => ({
  jsonrpc: '2.0',
  id,
  method: 'tools/call',
  params: { name, arguments: args, ...(token === undefined ? {} : { _meta: { progressToken: token } }) },
});

/** The JSON-RPC messages among some SSE events (priming events and comments left out). */
export const messagesIn = (events: readonly SseEvent[]): Record<string, unknown>[] =>
  events.filter((event) => event.data).map((event) => JSON.parse(event.data!) as Record<string, unknown>);

export const isResponseTo =
  (id: string | number) =>
  (event: SseEvent): boolean => {
    const message = event.data ? (JSON.parse(event.data) as Record<string, unknown>) : undefined;
    return message?.['id'] === id && ('result' in message || 'error' in message);
  };

/** How many keep-alive comments came, and the longest pause between two of them. */
export function keepaliveGaps(events: readonly SseEvent[]): { count: number; longest: number } {
  const times = events.filter((e) => e.data === undefined && e.comments.length > 0).map((e) => e.at ?? 0);
  const gaps = times.slice(1).map((time, i) => time - times[i]!);
  return { count: times.length, longest: Math.max(0, ...gaps) };
}

/** Reads SSE events until the JSON-RPC message matching `match` shows up. */
export const readUntilMessage = (sse: SseReader, match: (message: Record<string, unknown>) => boolean, ms = 5_000) =>
  sse.until((event) => event.data !== undefined && event.data !== '' && match(JSON.parse(event.data) as never), ms);

interface StatusSession {
  /** sessionFingerprint(id): /status never shows a session id. */
  fingerprint: string;
  upstream?: { pid?: number };
}

/** The session list of the admin /status page. */
export async function statusSessions(bridge: Bridge): Promise<StatusSession[]> {
  const status = (await (await fetch(`${bridge.adminUrl}/status`)).json()) as { sessions: { list: StatusSession[] } };
  return status.sessions.list;
}

/** The JSON body of an error answer, or a description of what came instead. */
export async function errorBody(
  response: Response,
): Promise<{ jsonrpc?: string; id?: unknown; error?: { code: number; message: string } }> {
  const text = await response.text();
  try {
    return JSON.parse(text) as never;
  } catch {
    return { error: { code: Number.NaN, message: `not JSON: ${text}` } };
  }
}
