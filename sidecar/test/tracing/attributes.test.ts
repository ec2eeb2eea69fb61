// Span names and attributes (pure), and the rule that turns tracing on from the OTEL_* environment.

import { describe, expect, it } from 'vitest';

import {
  clientAttributes,
  collect,
  type MessageFacts,
  metricAttributes,
  outcomeOf,
  serverAttributes,
  spanName,
  summarize,
  targetOf,
  uriOf,
} from '../../src/tracing/attributes.ts';

import { tracingEnabled } from '../../src/tracing/enabled.ts';

const answered = (side: 'server' | 'client') => outcomeOf('tools/call', {}, side);
const server = (f: MessageFacts) => collect((out) => serverAttributes(f, answered('server'), out));

const facts = (overrides: Partial<MessageFacts> = {}): MessageFacts => ({
  method: 'tools/call',
  target: 'get-weather',
  uri: undefined,
  id: 7,
  era: 'legacy-session',
  protocolVersion: '2025-11-25',
  sessionId: 's-1',
  peerSource: 'certificate',
  peerSpiffe: 'spiffe://td/ns/a/sa/b',
  httpVersion: '1.1',
  clientAddress: '127.0.0.1',
  clientPort: 50_000,
  ...overrides,
});

describe('span attributes', () => {
  it('names spans {method} {target} with tools and prompts only (no URIs in names)', () => {
    expect(spanName('tools/call', targetOf('tools/call', { name: 'x' }))).toBe('tools/call x');
    expect(spanName('prompts/get', targetOf('prompts/get', { name: 'p' }))).toBe('prompts/get p');
    expect(spanName('resources/read', targetOf('resources/read', { uri: 'file:///a' }))).toBe('resources/read');
    expect(spanName('tools/list', undefined)).toBe('tools/list');
  });

  it('SERVER attributes; no mcp.session.id for 2026-07-28 requests; CLIENT carries the upstream id and pipe', () => {
    expect(server(facts())).toEqual({
      'mcp.method.name': 'tools/call',
      'gen_ai.tool.name': 'get-weather',
      'gen_ai.operation.name': 'execute_tool',
      'jsonrpc.request.id': '7',
      'mcp.protocol.version': '2025-11-25',
      'mcp.session.id': 's-1',
      'network.transport': 'tcp',
      'network.protocol.name': 'http',
      'network.protocol.version': '1.1',
      'client.address': '127.0.0.1',
      'client.port': 50_000,
      'mcp_sidecar.peer.source': 'certificate',
      'mcp_sidecar.peer.spiffe': 'spiffe://td/ns/a/sa/b',
    });
    const modern = server(
      facts({ era: 'modern', protocolVersion: '2026-07-28', method: 'server/discover', id: 'a', target: undefined }),
    );
    expect(modern).not.toHaveProperty('mcp.session.id');
    expect(modern['mcp.method.name']).toBe('server/discover');
    const uri = uriOf('resources/read', { uri: 'file:///x' });
    expect(uriOf('tools/call', { uri: 'file:///x' })).toBeUndefined();
    expect(server(facts({ method: 'resources/read', target: undefined, uri }))['mcp.resource.uri']).toBe('file:///x');
    expect(collect((out) => clientAttributes(facts(), 1234, answered('client'), out))).toEqual({
      'mcp.method.name': 'tools/call',
      'gen_ai.tool.name': 'get-weather',
      'gen_ai.operation.name': 'execute_tool',
      'jsonrpc.request.id': '1234',
      'network.transport': 'pipe',
    });
  });

  it('classifies outcomes: tool_error, JSON-RPC codes (caller mistakes are not server errors), cancellation', () => {
    const ok = summarize({ jsonrpc: '2.0' as const, id: 1, result: { content: [] } });
    expect(outcomeOf('tools/call', ok, 'server')).toMatchObject({ attributes: {}, error: undefined });
    const toolError = summarize({ jsonrpc: '2.0' as const, id: 1, result: { content: [], isError: true } });
    expect(outcomeOf('tools/call', toolError, 'server').attributes).toEqual({ 'error.type': 'tool_error' });
    const invalid = summarize({ jsonrpc: '2.0' as const, id: 1, error: { code: -32602, message: 'no such tool' } });
    expect(outcomeOf('tools/call', invalid, 'server')).toMatchObject({
      attributes: { 'rpc.response.status_code': '-32602' },
      error: undefined,
    });
    expect(outcomeOf('tools/call', invalid, 'client')).toMatchObject({
      attributes: { 'rpc.response.status_code': '-32602', 'error.type': '-32602' },
      error: 'no such tool',
    });
    expect(outcomeOf('tools/call', undefined, 'server').attributes).toEqual({ 'error.type': 'cancelled' });
  });

  it('keeps per-request and high-cardinality attributes off the duration metric', () => {
    const outcome = outcomeOf('tools/call', { toolError: true }, 'server');
    const metric = collect((out) => metricAttributes(facts(), outcome, out));
    expect(Object.keys(metric).sort()).toEqual(
      [
        'error.type',
        'gen_ai.operation.name',
        'gen_ai.tool.name',
        'mcp.method.name',
        'mcp.protocol.version',
        'mcp_sidecar.peer.source',
        'network.protocol.name',
        'network.protocol.version',
        'network.transport',
      ].sort(),
    );
  });
});

describe('when tracing is on', () => {
  it('needs an OTLP endpoint or OTEL_TRACES_EXPORTER=otlp, and yields to OTEL_SDK_DISABLED and none', () => {
    expect(tracingEnabled({})).toBe(false);
    expect(tracingEnabled({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' })).toBe(true);
    expect(tracingEnabled({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c:4318/v1/traces' })).toBe(true);
    expect(tracingEnabled({ OTEL_EXPORTER_OTLP_ENDPOINT: '  ' })).toBe(false);
    expect(tracingEnabled({ OTEL_TRACES_EXPORTER: 'otlp' })).toBe(true);
    expect(tracingEnabled({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c', OTEL_SDK_DISABLED: 'TRUE' })).toBe(false);
    expect(tracingEnabled({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c', OTEL_TRACES_EXPORTER: 'none' })).toBe(false);
    expect(tracingEnabled({ OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: 'http://c' })).toBe(false);
  });
});
