// Span names and attributes of the OpenTelemetry MCP semantic conventions (semantic-conventions-genai
// docs/gen-ai/mcp.md, main as of 2026-08, status Development; attribute names as in semantic-conventions v1.41.1;
// README "Tracing" pins this). Pure: facts about a message and its answer in, names and attributes out. The facts
// and the answer's summary are plain data (strings and numbers), made on the serving thread and sent to the export
// worker, which alone builds attributes from them: no params, no results, no identity claims cross over.

import type { JsonRpcId, JsonRpcMessage } from '@mcp-sidecar/protocol';

import type { Era } from '../context.ts';

export type Attributes = Record<string, string | number>;

export interface MessageFacts {
  readonly method: string;
  /** The tool or prompt name (targetOf). */
  readonly target: string | undefined;
  /** A resources/* request's URI. */
  readonly uri: string | undefined;
  /** Absent for notifications. */
  readonly id: JsonRpcId | undefined;
  readonly era: Era;
  readonly protocolVersion: string;
  readonly sessionId: string | undefined;
  /** The caller's identity source, and its SPIFFE ID when it has one. */
  readonly peerSource: string;
  readonly peerSpiffe: string | undefined;
  readonly httpVersion: string;
  readonly clientAddress: string | undefined;
  readonly clientPort: number | undefined;
}

/** What the outcome of a request depends on; undefined when it got no answer (cancelled). */
export interface AnswerSummary {
  readonly errorCode?: number;
  readonly errorMessage?: string;
  /** A tools/call result with isError: true. */
  readonly toolError?: boolean;
}

export function summarize(answer: JsonRpcMessage | undefined): AnswerSummary | undefined {
  if (answer === undefined) return undefined;
  if ('error' in answer && answer.error) return { errorCode: answer.error.code, errorMessage: answer.error.message };
  const result = 'result' in answer ? (answer.result as { isError?: unknown } | undefined) : undefined;
  return result?.isError === true ? TOOL_ERROR : ANSWERED;
}
const ANSWERED: AnswerSummary = Object.freeze({});
const TOOL_ERROR: AnswerSummary = Object.freeze({ toolError: true });

/** The URI of a resources/* request, for mcp.resource.uri. */
export function uriOf(method: string, params: Readonly<Record<string, unknown>> | undefined): string | undefined {
  const uri = params?.['uri'];
  return typeof uri === 'string' && method.startsWith('resources/') ? uri : undefined;
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
function operationAttributes({ method, target, uri }: MessageFacts): Attributes {
  const attributes: Attributes = { 'mcp.method.name': method };
  if (method === 'tools/call' && target !== undefined) {
    attributes['gen_ai.tool.name'] = target;
    attributes['gen_ai.operation.name'] = 'execute_tool';
  }
  if (method === 'prompts/get' && target !== undefined) attributes['gen_ai.prompt.name'] = target;
  if (uri !== undefined) attributes['mcp.resource.uri'] = uri;
  return attributes;
}

/** The SERVER span of a client's message as it reached the bridge over Streamable HTTP. */
export function serverAttributes(facts: MessageFacts): Attributes {
  const attributes = operationAttributes(facts);
  if (facts.id !== undefined) attributes['jsonrpc.request.id'] = idText(facts.id);
  attributes['mcp.protocol.version'] = facts.protocolVersion;
  // 2026-07-28 requests belong to no session (semconv-genai PR #480 would make it a MUST NOT).
  if (facts.era === 'legacy-session' && facts.sessionId !== undefined) attributes['mcp.session.id'] = facts.sessionId;
  attributes['network.transport'] = 'tcp';
  attributes['network.protocol.name'] = 'http';
  attributes['network.protocol.version'] = facts.httpVersion;
  if (facts.clientAddress !== undefined) attributes['client.address'] = facts.clientAddress;
  if (facts.clientPort !== undefined) attributes['client.port'] = facts.clientPort;
  attributes['mcp_sidecar.peer.source'] = facts.peerSource;
  if (facts.peerSpiffe !== undefined) attributes['mcp_sidecar.peer.spiffe'] = facts.peerSpiffe;
  return attributes;
}

/** The CLIENT span of the hop to the stdio server, with the id the bridge actually sent. */
export function clientAttributes(facts: MessageFacts, upstreamId: JsonRpcId): Attributes {
  const attributes = operationAttributes(facts);
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

export function outcomeOf(method: string, answer: AnswerSummary | undefined, side: 'server' | 'client'): Outcome {
  if (answer === undefined) return { attributes: { 'error.type': 'cancelled' }, error: 'the request was cancelled' };
  if (answer.errorCode !== undefined) {
    const code = String(answer.errorCode);
    const callerMistake = side === 'server' && CALLER_MISTAKES.has(answer.errorCode);
    if (callerMistake) return { attributes: { 'rpc.response.status_code': code }, error: undefined };
    return { attributes: { 'rpc.response.status_code': code, 'error.type': code }, error: answer.errorMessage ?? '' };
  }
  if (method === 'tools/call' && answer.toolError === true) {
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
