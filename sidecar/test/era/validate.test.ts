// Era classification and the validation of 2026-07-28 requests (pure): the spec's status/code table, row by row,
// in its order; the standard headers' value encoding (`=?base64?…?=`, surrounding whitespace), with properties.

import fc from 'fast-check';
import type { JsonRpcRequest } from '@mcp-sidecar/protocol';
import { describe, expect, it } from 'vitest';

import { classifyEra } from '../../src/era/classify.ts';
import { capabilitiesOf, hasEnvelope, META, readEnvelope, stripEnvelope } from '../../src/era/envelope.ts';
import { decodeHeaderValue, encodeHeaderValue } from '../../src/era/headers.ts';
import { methodRefusalReason } from '../../src/era/methods.ts';
import { type StandardHeaders, validateModernRequest } from '../../src/era/validate.ts';
import { HttpRefusal } from '../../src/errors.ts';

const ENVELOPE = { [META.protocolVersion]: '2026-07-28', [META.clientCapabilities]: {} };
const SERVER = { tools: { listChanged: true }, resources: {}, prompts: {} };

const request = (method: string, params: Record<string, unknown> = {}, meta: object | null = ENVELOPE) =>
  ({ jsonrpc: '2.0', id: 7, method, params: meta ? { ...params, _meta: meta } : params }) as JsonRpcRequest;
const headers = (
  method: string,
  extra: { protocolVersion?: string; method?: string; name?: string } = {},
): StandardHeaders => {
  const all = { protocolVersion: '2026-07-28', method, name: undefined as string | undefined, ...extra };
  return { 'mcp-protocol-version': all.protocolVersion, 'mcp-method': all.method, 'mcp-name': all.name };
};
const refusal = (outcome: unknown) => {
  if (!(outcome instanceof HttpRefusal)) throw new Error(`expected a refusal, got ${JSON.stringify(outcome)}`);
  return { status: outcome.status, code: outcome.rpcCode, data: outcome.data, message: outcome.message };
};

describe('classifyEra', () => {
  it('the body decides first: a _meta envelope is modern, even with a session id or on initialize', () => {
    expect(classifyEra({ method: 'tools/list', sessionId: 'abc', envelope: true })).toBe('modern');
    expect(classifyEra({ method: 'initialize', sessionId: undefined, envelope: true })).toBe('modern');
  });
  it('without the envelope, a session or initialize is the 2025 era exactly as before', () => {
    expect(classifyEra({ method: 'tools/call', sessionId: 'abc', headerVersion: '2026-07-28' })).toBe('legacy-session');
    expect(classifyEra({ method: 'initialize', sessionId: undefined, headerVersion: 'v999' })).toBe('legacy-session');
  });
  it('sessionless: a version no session era knows is a (malformed) modern request; a 2025 one or none is not', () => {
    expect(classifyEra({ method: 'tools/list', sessionId: undefined, headerVersion: '2026-07-28' })).toBe('modern');
    expect(classifyEra({ method: 'tools/list', sessionId: undefined, headerVersion: 'v999.0.0' })).toBe('modern');
    expect(classifyEra({ method: 'tools/list', sessionId: undefined, headerVersion: '2025-11-25' })).toBe(
      'legacy-sessionless',
    );
    expect(classifyEra({ method: 'tools/list', sessionId: undefined })).toBe('legacy-sessionless');
  });
});

describe('the envelope', () => {
  it('is recognised by the protocol version key, and read with its capabilities and log level', () => {
    expect(hasEnvelope({ _meta: ENVELOPE })).toBe(true);
    expect(hasEnvelope({ _meta: { progressToken: 1 } })).toBe(false);
    const meta = { ...ENVELOPE, [META.clientCapabilities]: { sampling: {}, roots: {} }, [META.logLevel]: 'warning' };
    expect(readEnvelope({ _meta: meta })).toEqual({
      protocolVersion: '2026-07-28',
      capabilities: { sampling: true, elicitation: false, roots: true },
      logSeverity: 3,
    });
  });
  it('says what is missing or malformed', () => {
    expect(readEnvelope({})).toMatch(/_meta is missing/);
    expect(readEnvelope({ _meta: { [META.clientCapabilities]: {} } })).toMatch(/protocolVersion/);
    expect(readEnvelope({ _meta: { [META.protocolVersion]: '2026-07-28' } })).toMatch(/clientCapabilities/);
    expect(readEnvelope({ _meta: { ...ENVELOPE, [META.logLevel]: 'loud' } })).toMatch(/logLevel/);
  });
  it('capabilities are declared by objects only', () => {
    expect(capabilitiesOf({ sampling: true, elicitation: {}, roots: null })).toEqual({
      sampling: false,
      elicitation: true,
      roots: false,
    });
  });
  it('is taken off for a 2025-era server, keeping every other _meta key', () => {
    const params: Record<string, unknown> = { name: 'x', _meta: { ...ENVELOPE, progressToken: 3, traceparent: 't' } };
    stripEnvelope(params);
    expect(JSON.parse(JSON.stringify(params))).toEqual({ name: 'x', _meta: { progressToken: 3, traceparent: 't' } });
    const bare: Record<string, unknown> = { _meta: { ...ENVELOPE } };
    stripEnvelope(bare);
    expect(JSON.stringify(bare)).toBe('{}');
  });
});

describe('validateModernRequest: the spec table, in order', () => {
  const check = (req: JsonRpcRequest, h: StandardHeaders) => refusal(validateModernRequest(req, h, SERVER));

  it('missing _meta, protocol version or capabilities: 400 / -32602', () => {
    expect(check(request('tools/list', {}, null), headers('tools/list'))).toMatchObject({
      status: 400,
      code: -32602,
    });
    const noCaps = { [META.protocolVersion]: '2026-07-28' };
    expect(check(request('tools/list', {}, noCaps), headers('tools/list'))).toMatchObject({
      status: 400,
      code: -32602,
    });
  });
  it('MCP-Protocol-Version missing or different from _meta: 400 / -32020, checked before the version itself', () => {
    expect(check(request('tools/list'), headers('tools/list', { protocolVersion: undefined }))).toMatchObject({
      status: 400,
      code: -32020,
    });
    const v999 = { ...ENVELOPE, [META.protocolVersion]: 'v999.0.0' };
    expect(check(request('tools/list', {}, v999), headers('tools/list'))).toMatchObject({ status: 400, code: -32020 });
  });
  it('an unsupported version named in both: 400 / -32022 with data.supported and data.requested', () => {
    const v999 = { ...ENVELOPE, [META.protocolVersion]: 'v999.0.0' };
    const outcome = check(request('tools/list', {}, v999), headers('tools/list', { protocolVersion: 'v999.0.0' }));
    expect(outcome).toMatchObject({ status: 400, code: -32022, data: { requested: 'v999.0.0' } });
    expect((outcome.data as { supported: string[] }).supported).toContain('2026-07-28');
  });
  it.each(['initialize', 'ping', 'logging/setLevel', 'resources/subscribe', 'resources/unsubscribe', 'unknown/method'])(
    '%s: 404 / -32601',
    (method) => {
      expect(check(request(method), headers(method))).toMatchObject({ status: 404, code: -32601 });
    },
  );
  it('a method whose capability the server does not advertise is not found either', () => {
    expect(methodRefusalReason('completion/complete', SERVER)).toMatch(/completions/);
    expect(methodRefusalReason('subscriptions/listen', { tools: {} })).toMatch(/no list changes/);
    expect(methodRefusalReason('subscriptions/listen', SERVER)).toBeUndefined();
  });
  it('Mcp-Method missing, or different (values are case-sensitive): 400 / -32020', () => {
    expect(check(request('tools/list'), headers('tools/list', { method: undefined }))).toMatchObject({ code: -32020 });
    expect(check(request('tools/list'), headers('TOOLS/LIST'))).toMatchObject({ status: 400, code: -32020 });
  });
  it('Mcp-Name on tools/call, prompts/get (params.name) and resources/read (params.uri): 400 / -32020', () => {
    const call = request('tools/call', { name: 'echo' });
    expect(check(call, headers('tools/call'))).toMatchObject({ code: -32020 });
    expect(check(call, headers('tools/call', { name: 'other' }))).toMatchObject({ code: -32020 });
    expect(check(call, headers('tools/call', { name: '=?base64?not base64?=' }))).toMatchObject({ code: -32020 });
    const read = request('resources/read', { uri: 'test://é' });
    expect(
      validateModernRequest(read, headers('resources/read', { name: encodeHeaderValue('test://é') }), SERVER),
    ).not.toBeInstanceOf(HttpRefusal);
  });
  it('a valid request gives its envelope', () => {
    const outcome = validateModernRequest(
      request('tools/call', { name: 'echo' }),
      headers('tools/call', { name: ' echo\t' }),
      SERVER,
    );
    expect(outcome).toEqual({ protocolVersion: '2026-07-28', capabilities: capabilitiesOf({}), logSeverity: -1 });
  });
});

describe('header values', () => {
  it('decodes the sentinel form strictly, and takes anything else literally (without surrounding whitespace)', () => {
    expect(decodeHeaderValue('=?base64?PT9iYXNlNjQ/bGl0ZXJhbD89?=')).toBe('=?base64?literal?=');
    expect(decodeHeaderValue('  plain name\t')).toBe('plain name');
    expect(decodeHeaderValue('=?BASE64?aGk=?=')).toBe('=?BASE64?aGk=?='); // markers are case-sensitive
    expect(decodeHeaderValue('=?base64?aGk?=')).toBeUndefined(); // no padding
    expect(decodeHeaderValue('=?base64?//79?=')).toBeUndefined(); // not UTF-8
  });
  it('property: whatever a client encodes, the bridge decodes to the same string', () => {
    // Printable ASCII, the sentinel's characters, whitespace, controls, and characters beyond ASCII (BMP and astral).
    const unit = fc.oneof(
      fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)),
      fc.constantFrom('=', '?', 'b', 'a', 's', 'e', '6', '4', ' ', '\t', '\n', '\u0000', 'é', '中', '😀'),
      fc.integer({ min: 0x80, max: 0xd7ff }).map((code) => String.fromCharCode(code)),
    );
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 40 }), (value) => decodeHeaderValue(encodeHeaderValue(value)) === value),
    );
    expect(decodeHeaderValue(encodeHeaderValue('=?base64?x?='))).toBe('=?base64?x?=');
  });
});
