// Span names and attributes of the OpenTelemetry MCP semantic conventions (semantic-conventions-genai
// docs/gen-ai/mcp.md, main as of 2026-08, status Development; attribute names as in semantic-conventions v1.41.1;
// README "Tracing" pins this). Pure: facts about a message and its answer in, names and attributes out. The facts
// and the answer's summary are plain data (strings and numbers): no params, no results, no identity claims.
// Attributes are written to a sink, not returned as objects: the span export writes them straight into the OTLP
// request (otlp-encoding.ts), so a traced call builds no attribute objects; `collect` makes the object when one is
// wanted (the duration histogram, once per series; tests).

import type { JsonRpcId, JsonRpcMessage } from '@mcp-sidecar/protocol';

import type { Era } from '../context.ts';

export type Attributes = Record<string, string | number>;

/** Where attributes are written, one key and value at a time. */
export interface AttributeSink {
  put(key: string, value: string | number): void;
  /**
   * The attributes `write` puts, which are the same whenever `key` is: a sink may keep what they came to under that
   * key and write that again instead (the span encoder does: most of a span's attributes repeat call after call).
   */
  group(key: string, write: (out: AttributeSink) => void): void;
}

/** The attributes `write` puts, as an object. */
export function collect(write: (out: AttributeSink) => void): Attributes {
  const attributes: Attributes = {};
  const sink: AttributeSink = {
    put: (key, value) => void (attributes[key] = value),
    group: (_key, writeGroup) => writeGroup(sink),
  };
  write(sink);
  return attributes;
}

export function putAll(out: AttributeSink, attributes: Readonly<Attributes>): void {
  for (const key in attributes) out.put(key, attributes[key]!);
}

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

/** The methods whose requests name a target (a tool, a prompt). */
const takesTarget = (method: string): boolean => method === 'tools/call' || method === 'prompts/get';

/** The span name's low-cardinality target: the tool or prompt name. Resource URIs stay out of names (spec). */
export function targetOf(method: string, params: Readonly<Record<string, unknown>> | undefined): string | undefined {
  if (!takesTarget(method)) return undefined;
  const name = params?.['name'];
  return typeof name === 'string' && name !== '' ? name : undefined;
}

export const spanName = (method: string, target: string | undefined): string =>
  target === undefined ? method : `${method} ${target}`;

const idText = (id: JsonRpcId): string => (typeof id === 'string' ? id : String(id));

/** What the operation is about: tool or prompt name, execute_tool. Shared by both spans and the metric. */
function operationAttributes({ method, target }: MessageFacts, out: AttributeSink): void {
  out.put('mcp.method.name', method);
  if (method === 'tools/call' && target !== undefined) {
    out.put('gen_ai.tool.name', target);
    out.put('gen_ai.operation.name', 'execute_tool');
  }
  if (method === 'prompts/get' && target !== undefined) out.put('gen_ai.prompt.name', target);
}

/**
 * The SERVER span's attributes of low cardinality, which the mcp.server.operation.duration metric carries too. The
 * spec keeps per-request and high-cardinality attributes (request id, session id, client address and port, resource
 * URI, the caller's SPIFFE ID) off the metric.
 */
function serverMetricAttributes(facts: MessageFacts, out: AttributeSink): void {
  operationAttributes(facts, out);
  out.put('mcp.protocol.version', facts.protocolVersion);
  out.put('network.transport', 'tcp');
  out.put('network.protocol.name', 'http');
  out.put('network.protocol.version', facts.httpVersion);
  out.put('mcp_sidecar.peer.source', facts.peerSource);
}

/**
 * The SERVER span of a client's message as it reached the bridge over Streamable HTTP, answered with `outcome`: the
 * metric's attributes (one group, keyed by their metricKey, which a caller that has it passes in), then the
 * per-request ones.
 */
export function serverAttributes(
  facts: MessageFacts,
  outcome: Outcome,
  out: AttributeSink,
  series = metricKey(facts, outcome),
): void {
  out.group(series, (group) => metricAttributes(facts, outcome, group));
  if (facts.uri !== undefined) out.put('mcp.resource.uri', facts.uri);
  if (facts.id !== undefined) out.put('jsonrpc.request.id', idText(facts.id));
  // 2026-07-28 requests belong to no session (semconv-genai PR #480 would make it a MUST NOT).
  if (facts.era === 'legacy-session' && facts.sessionId !== undefined) out.put('mcp.session.id', facts.sessionId);
  if (facts.clientAddress !== undefined) out.put('client.address', facts.clientAddress);
  if (facts.clientPort !== undefined) out.put('client.port', facts.clientPort);
  if (facts.peerSpiffe !== undefined) out.put('mcp_sidecar.peer.spiffe', facts.peerSpiffe);
}

/**
 * The CLIENT span of the hop to the stdio server, with the id the bridge actually sent, answered with `outcome`. Its
 * group's key starts with a letter, a metricKey with a digit, so the two kinds never share a key.
 */
export function clientAttributes(facts: MessageFacts, upstreamId: JsonRpcId, outcome: Outcome, out: AttributeSink) {
  out.group(`c${operationKey(facts)}${outcome.key}`, (group) => {
    operationAttributes(facts, group);
    group.put('network.transport', 'pipe');
    putAll(group, outcome.attributes);
  });
  if (facts.uri !== undefined) out.put('mcp.resource.uri', facts.uri);
  out.put('jsonrpc.request.id', idText(upstreamId));
}

/** The attributes of a mcp.server.operation.duration sample: the SERVER span's low-cardinality ones and the outcome. */
export function metricAttributes(facts: MessageFacts, outcome: Outcome, out: AttributeSink): void {
  serverMetricAttributes(facts, out);
  putAll(out, outcome.attributes);
}

/**
 * A string that is the same for two samples exactly when metricAttributes writes the same attributes for them: the
 * facts it reads (each length-prefixed, so no value can pass for two) and the outcome's key. Cheaper than writing
 * the attributes, so a sample's series is found without them.
 */
export function metricKey(facts: MessageFacts, outcome: Outcome): string {
  const { protocolVersion, httpVersion, peerSource } = facts;
  return (
    `${operationKey(facts)}${protocolVersion.length}:${protocolVersion}` +
    `${httpVersion.length}:${httpVersion}${peerSource.length}:${peerSource}${outcome.key}`
  );
}

/** The same for two messages exactly when operationAttributes writes the same for them (as metricKey). */
function operationKey({ method, target }: MessageFacts): string {
  const named = takesTarget(method) ? target : undefined;
  return `${method.length}:${method}${named === undefined ? '-' : `${named.length}:${named}`}`;
}

export interface Outcome {
  /** Tells outcomes with different attributes apart (metricKey). */
  readonly key: string;
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

const outcome = (key: string, attributes: Attributes, error: string | undefined): Outcome =>
  Object.freeze({ key, attributes: Object.freeze(attributes), error });
const SUCCEEDED = outcome('ok', {}, undefined);
const CANCELLED = outcome('cancelled', { 'error.type': 'cancelled' }, 'the request was cancelled');
const TOOL_FAILED = outcome('tool_error', { 'error.type': 'tool_error' }, 'the tool reported an error (isError)');

export function outcomeOf(method: string, answer: AnswerSummary | undefined, side: 'server' | 'client'): Outcome {
  if (answer === undefined) return CANCELLED;
  if (answer.errorCode !== undefined) {
    const code = String(answer.errorCode);
    const callerMistake = side === 'server' && CALLER_MISTAKES.has(answer.errorCode);
    if (callerMistake) return outcome(`status ${code}`, { 'rpc.response.status_code': code }, undefined);
    const attributes = { 'rpc.response.status_code': code, 'error.type': code };
    return outcome(`error ${code}`, attributes, answer.errorMessage ?? '');
  }
  return method === 'tools/call' && answer.toolError === true ? TOOL_FAILED : SUCCEEDED;
}
