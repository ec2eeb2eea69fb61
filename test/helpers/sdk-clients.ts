// Helpers for driving the bridge with the official MCP SDK clients (v1 `@modelcontextprotocol/sdk`, v2
// `@modelcontextprotocol/client`) in front of the real npm reference servers: their commands, connecting clients
// that answer sampling and elicitation, reading tool results, and reading the bridge's /status.

import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  Client as V2Client,
  StreamableHTTPClientTransport as V2StreamableHTTPClientTransport,
} from '@modelcontextprotocol/client';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  type LoggingMessageNotification,
  LoggingMessageNotificationSchema,
  type ResourceUpdatedNotification,
  ResourceUpdatedNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';

import { type BridgeConfig, defaultBridgeConfig } from '@mcp-sidecar/contract';

import { type Bridge, startBridge } from '../../sidecar/src/bridge.ts';
import { createLogger } from '../../sidecar/src/log.ts';
import { sessionFingerprint } from '../../sidecar/src/health.ts';
import { NODE, REPO_ROOT, waitUntilReady } from './bridge-process.ts';

/** `node <bin>` of an installed npm MCP server, read from its package.json (no PATH or shebang involved). */
export function npmServerCommand(pkg: string, bin: string, ...args: string[]): string[] {
  const dir = join(REPO_ROOT, 'node_modules', pkg);
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { bin: Record<string, string> };
  const file = manifest.bin[bin];
  if (!file) throw new Error(`${pkg} has no bin ${bin}`);
  return [NODE, join(dir, file), ...args];
}

export const EVERYTHING = npmServerCommand('@modelcontextprotocol/server-everything', 'mcp-server-everything');

/**
 * server-memory with one memory file per process (`<dir>/memory-<pid>.jsonl`), so the knowledge graph belongs to
 * the process: sessions see each other's entities exactly when they share a server process.
 */
export const memoryServerCommand = (dir: string): string[] => [
  'sh',
  '-c',
  'MEMORY_FILE_PATH="$0/memory-$$.jsonl" exec "$@"',
  dir,
  ...npmServerCommand('@modelcontextprotocol/server-memory', 'mcp-server-memory'),
];

export const filesystemServerCommand = (allowedDir: string): string[] =>
  npmServerCommand('@modelcontextprotocol/server-filesystem', 'mcp-server-filesystem', allowedDir);

export async function makeTempDir(prefix: string): Promise<{ path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), `mcp-sidecar-${prefix}-`));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/** What the client's sampling handler answers (followed by ` [<client name>]`); tests look for it in results. */
export const SAMPLING_ANSWER = 'sampled by the test client: 7f3a';
export const samplingAnswerOf = (clientName: string): string => `${SAMPLING_ANSWER} [${clientName}]`;
/** What the client's elicitation handler accepts with. */
export const ELICITED_NAME = 'Ada Lovelace (elicited)';

export interface V1Session {
  readonly client: Client;
  /** Log messages and resource updates the client received, in order. */
  readonly logs: LoggingMessageNotification['params'][];
  readonly updates: ResourceUpdatedNotification['params'][];
  /** Sampling requests the handler saw. */
  readonly samplingRequests: unknown[];
}

/**
 * A v1 Client that records what the server sends it. By default it declares sampling and elicitation and answers
 * them; `{ serverRequests: false }` gives a client that declares no capabilities at all.
 */
export function newV1Client(name = 'sdk-v1-test', options: V1Options = {}): V1Session {
  const answers = options.serverRequests ?? true;
  const capabilities = answers ? { sampling: {}, elicitation: {} } : {};
  const client = new Client({ name, version: '1.0.0' }, { capabilities });
  const session: V1Session = { client, logs: [], updates: [], samplingRequests: [] };
  if (answers) {
    client.setRequestHandler(CreateMessageRequestSchema, (request) => {
      session.samplingRequests.push(request.params);
      return { model: 'test-model', role: 'assistant', content: { type: 'text', text: samplingAnswerOf(name) } };
    });
    client.setRequestHandler(ElicitRequestSchema, () => ({ action: 'accept', content: { name: ELICITED_NAME } }));
  }
  client.setNotificationHandler(LoggingMessageNotificationSchema, (notification) => {
    session.logs.push(notification.params);
  });
  client.setNotificationHandler(ResourceUpdatedNotificationSchema, (notification) => {
    session.updates.push(notification.params);
  });
  return session;
}

export interface V1StreamableSession extends V1Session {
  readonly transport: StreamableHTTPClientTransport;
}

export interface V1Options {
  /** Declare sampling + elicitation and answer them (default true). */
  readonly serverRequests?: boolean;
}

export async function connectV1(url: string, name?: string, options?: V1Options): Promise<V1StreamableSession> {
  const session = newV1Client(name, options);
  const transport = new StreamableHTTPClientTransport(new URL(url));
  await session.client.connect(transport);
  return { ...session, transport };
}

export interface V1SseSession extends V1Session {
  readonly transport: SSEClientTransport;
}

/** The legacy HTTP+SSE transport: `url` is the bridge's /sse endpoint. */
export async function connectV1Sse(sseUrl: string, name?: string): Promise<V1SseSession> {
  const session = newV1Client(name);
  const transport = new SSEClientTransport(new URL(sseUrl));
  await session.client.connect(transport);
  return { ...session, transport };
}

/** `http://host:port/mcp` → `http://host:port/sse` (the legacy endpoint lives at a fixed path). */
export const legacySseUrl = (mcpUrl: string): string => new URL('/sse', mcpUrl).href;

/** The text blocks of a tool result, joined by newlines; throws when the result has none. */
export function textOf(result: unknown): string {
  const content = (result as { content?: unknown }).content;
  if (!Array.isArray(content)) throw new Error(`not a tool result with content: ${JSON.stringify(result)}`);
  return content
    .filter((block): block is { type: 'text'; text: string } => (block as { type?: unknown }).type === 'text')
    .map((block) => block.text)
    .join('\n');
}

/** Closes whatever a test opened, newest first, and never lets one failure hide the others. */
export class Closer {
  readonly #steps: (() => unknown)[] = [];

  add<T>(value: T, close: (value: T) => unknown): T {
    this.#steps.push(() => close(value));
    return value;
  }

  async closeAll(): Promise<void> {
    const steps = this.#steps.splice(0).reverse();
    for (const step of steps) {
      try {
        await step();
      } catch {
        // Closing is best effort: a client whose session the test already ended may fail to close again.
      }
    }
  }
}

export interface UpstreamStatus {
  readonly state: string;
  readonly pid?: number;
  readonly sessions: number;
}

export interface BridgeStatus {
  readonly mode: string;
  readonly shared?: UpstreamStatus;
  readonly pool?: { readonly ready: number; readonly upstreams: UpstreamStatus[] };
  readonly sessions: {
    readonly open: number;
    readonly list: {
      /** sessionFingerprint(id): /status never shows a session id. */
      readonly fingerprint: string;
      readonly transport: string;
      readonly openRequests: number;
      readonly upstream?: UpstreamStatus;
    }[];
  };
}

export async function bridgeStatus(adminUrl: string): Promise<BridgeStatus> {
  const response = await fetch(`${adminUrl}/status`);
  if (!response.ok) throw new Error(`/status answered ${response.status}`);
  return (await response.json()) as BridgeStatus;
}

/** The upstream pid serving a session, from /status (per-session mode), or the shared upstream's pid. */
export async function upstreamPidOf(adminUrl: string, sessionId: string): Promise<number | undefined> {
  const status = await bridgeStatus(adminUrl);
  if (status.shared) return status.shared.pid;
  return status.sessions.list.find((session) => session.fingerprint === sessionFingerprint(sessionId))?.upstream?.pid;
}

export interface LoggedBridge extends Bridge {
  /** The bridge's pino JSON lines so far (debug level), for diagnosing a failure. */
  output(): string;
}

/** Like startInProcess, but the bridge logs at debug into memory, so a failing test can show what it did. */
export async function startLoggedInProcess(
  overrides: Partial<BridgeConfig>,
  command: readonly string[],
): Promise<LoggedBridge> {
  let output = '';
  const destination = { write: (line: string) => void (output += line) };
  const config: BridgeConfig = { ...defaultBridgeConfig(), port: 0, adminPort: 0, ...overrides };
  const bridge = await startBridge(config, command, createLogger('debug', destination));
  await waitUntilReady(bridge.adminUrl);
  return { ...bridge, output: () => output };
}

/** One HTTP exchange a client made: the JSON-RPC method it carried (if any), the version header, the status. */
export interface WireRecord {
  readonly httpMethod: string;
  readonly rpcMethod: string | undefined;
  readonly protocolVersionHeader: string | null;
  readonly status: number;
}

/** A fetch that records every exchange, for checking what an SDK client actually sent. */
export function recordingFetch(): { fetch: typeof fetch; records: WireRecord[] } {
  const records: WireRecord[] = [];
  const recorder = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const response = await fetch(input, init);
    let rpcMethod: string | undefined;
    if (typeof init?.body === 'string') rpcMethod = (JSON.parse(init.body) as { method?: string }).method;
    records.push({
      httpMethod: init?.method ?? 'GET',
      rpcMethod,
      protocolVersionHeader: new Headers(init?.headers).get('mcp-protocol-version'),
      status: response.status,
    });
    return response;
  };
  return { fetch: recorder, records };
}

export interface V2Session {
  readonly client: V2Client;
  readonly transport: V2StreamableHTTPClientTransport;
  readonly wire: WireRecord[];
  readonly samplingRequests: unknown[];
}

/** A v2 `@modelcontextprotocol/client` Client that declares sampling and answers with samplingAnswerOf(name). */
export async function connectV2(
  url: string,
  options: { name?: string; mode?: 'legacy' | 'auto'; supportedProtocolVersions?: string[] } = {},
): Promise<V2Session> {
  const name = options.name ?? 'sdk-v2-test';
  const client = new V2Client(
    { name, version: '2.0.0' },
    {
      capabilities: { sampling: {} },
      ...(options.mode ? { versionNegotiation: { mode: options.mode } } : {}),
      ...(options.supportedProtocolVersions ? { supportedProtocolVersions: options.supportedProtocolVersions } : {}),
    },
  );
  const samplingRequests: unknown[] = [];
  client.setRequestHandler('sampling/createMessage', (request) => {
    samplingRequests.push(request.params);
    return { model: 'test-model-v2', role: 'assistant', content: { type: 'text', text: samplingAnswerOf(name) } };
  });
  const { fetch: recorder, records } = recordingFetch();
  const transport = new V2StreamableHTTPClientTransport(new URL(url), { fetch: recorder });
  await client.connect(transport);
  return { client, transport, wire: records, samplingRequests };
}
