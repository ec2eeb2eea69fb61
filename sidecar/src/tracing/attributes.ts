// Span names and attributes of the OpenTelemetry MCP semantic conventions (semantic-conventions-genai
// docs/gen-ai/mcp.md, main as of 2026-08, status Development; attribute names as in semantic-conventions v1.41.1;
// README "Tracing" pins this). Pure: facts about a message and its answer in, names and attributes out.

import type { JsonRpcId, JsonRpcMessage } from '@mcp-sidecar/protocol';

import type { Era, Identity } from '../context.ts';

export type Attributes = Record<string, string | number>;

export interface MessageFacts {
  readonly method: string;
  /** Absent for notifications. */
  readonly id: JsonRpcId | undefined;
  readonly params: Readonly<Record<string, unknown>> | undefined;
  readonly era: Era;
  readonly protocolVersion: string;
  readonly sessionId: string | undefined;
  readonly identity: Identity;
  readonly httpVersion: string;
  readonly clientAddress: string | undefined;
  readonly clientPort: number | undefined;
}

/** The span name's low-cardinality target: the tool or prompt name. Resource URIs stay out of names (spec). */
export function targetOf(method: string, params: Readonly<Record<string, unknown>> | undefined): string | undefined {
  if (method !== 'tools/call' && method !== 'prompts/get') return undefined;
  const name = params?.['name'];
  return typeof name === 'string' && name !== '' ? name : undefined;
}

export const spanName = (method: string, target: string | undefined): string =>
  target === undefined ? method : `${method} ${target}`;

const idText = (id: JsonRpcId): string => (typeof id === 'string' ? id : JSON.stringify(id));

/** What the operation is about: tool or prompt name, resource URI, execute_tool. Shared by both spans. */
function operationAttributes(method: string, params: MessageFacts['params']): Attributes {
  const attributes: Attributes = { 'mcp.method.name': method };
  const target = targetOf(method, params);
  if (method === 'tools/call' && target !== undefined) {
    attributes['gen_ai.tool.name'] = target;
    attributes['gen_ai.operation.name'] = 'execute_tool';
  }
  if (method === 'prompts/get' && target !== undefined) attributes['gen_ai.prompt.name'] = target;
  const uri = params?.['uri'];
  if (typeof uri === 'string' && method.startsWith('resources/')) attributes['mcp.resource.uri'] = uri;
  return attributes;
}

/** The SERVER span of a client's message as it reached the bridge over Streamable HTTP. */
export function serverAttributes(facts: MessageFacts): Attributes {
  const attributes = operationAttributes(facts.method, facts.params);
  if (facts.id !== undefined) attributes['jsonrpc.request.id'] = idText(facts.id);
  attributes['mcp.protocol.version'] = facts.protocolVersion;
  // 2026-07-28 requests belong to no session (semconv-genai PR #480 would make it a MUST NOT).
  if (facts.era === 'legacy-session' && facts.sessionId !== undefined) attributes['mcp.session.id'] = facts.sessionId;
  attributes['network.transport'] = 'tcp';
  attributes['network.protocol.name'] = 'http';
  attributes['network.protocol.version'] = facts.httpVersion;
  if (facts.clientAddress !== undefined) attributes['client.address'] = facts.clientAddress;
  if (facts.clientPort !== undefined) attributes['client.port'] = facts.clientPort;
  attributes['mcp_sidecar.peer.source'] = facts.identity.source;
  if (facts.identity.spiffe !== undefined) attributes['mcp_sidecar.peer.spiffe'] = facts.identity.spiffe;
  return attributes;
}

/** The CLIENT span of the hop to the stdio server, with the id the bridge actually sent. */
export function clientAttributes(facts: MessageFacts, upstreamId: JsonRpcId): Attributes {
  const attributes = operationAttributes(facts.method, facts.params);
  attributes['jsonrpc.request.id'] = idText(upstreamId);
  attributes['network.transport'] = 'pipe';
  return attributes;
}

export interface Outcome {
  /** Attributes to add: error.type and rpc.response.status_code when they apply. */
  readonly attributes: Attributes;
  /** Set the span status to ERROR, with this description. */
  readonly error: string | undefined;
}

/**
 * Codes that on the server side mean "the caller sent a request the receiver could not serve" and are not errors
 * of the server (semconv-genai PR #404): parse error, invalid request, method not found, invalid params, resource
 * not found. A client sees every error code as an error.
 */
const CALLER_MISTAKES = new Set([-32700, -32600, -32601, -32602, -32002]);

export function outcomeOf(method: string, answer: JsonRpcMessage | undefined, side: 'server' | 'client'): Outcome {
  if (answer === undefined) return { attributes: { 'error.type': 'cancelled' }, error: 'the request was cancelled' };
  if ('error' in answer && answer.error) {
    const code = String(answer.error.code);
    const callerMistake = side === 'server' && CALLER_MISTAKES.has(answer.error.code);
    if (callerMistake) return { attributes: { 'rpc.response.status_code': code }, error: undefined };
    return { attributes: { 'rpc.response.status_code': code, 'error.type': code }, error: answer.error.message };
  }
  const result = 'result' in answer ? (answer.result as { isError?: unknown } | undefined) : undefined;
  if (method === 'tools/call' && result?.isError === true) {
    return { attributes: { 'error.type': 'tool_error' }, error: 'the tool reported an error (isError)' };
  }
  return { attributes: {}, error: undefined };
}

/** Not allowed on mcp.server.operation.duration: high-cardinality or per-request attributes (spec). */
const NOT_ON_METRIC = new Set([
  'jsonrpc.request.id',
  'mcp.session.id',
  'client.address',
  'client.port',
  'mcp.resource.uri',
  'mcp_sidecar.peer.spiffe',
]);

export function metricAttributes(span: Attributes, outcome: Outcome): Attributes {
  const attributes: Attributes = {};
  for (const key in span) if (!NOT_ON_METRIC.has(key)) attributes[key] = span[key]!;
  return Object.assign(attributes, outcome.attributes);
}
