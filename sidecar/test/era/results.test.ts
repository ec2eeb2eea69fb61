// What a 2025-era server's answers become for a 2026-07-28 client (resultType, cache hints, codes), server/discover,
// subscriptions/listen's filters and tags, and requestState's signature and digest (pure).

import fc from 'fast-check';
import type { JsonRpcNotification, JsonRpcRequest, JsonRpcResponse } from '@mcp-sidecar/protocol';
import { describe, expect, it } from 'vitest';

import { acknowledgement, honoured, readFilter, tagged, wants } from '../../src/era/listen.ts';
import { openState, requestDigest, signState, type StateClaims } from '../../src/era/request-state.ts';
import { cacheHintsFor, completeAnswer, discoverResult, STATIC_LIST_TTL_MS } from '../../src/era/results.ts';

const KEY = new Uint8Array(32).fill(7);
const CLAIMS: StateClaims = { call: 'c-1', round: 2, replica: 'pod-a', expiresAt: 1_900_000_000_000, digest: 'd' };

describe('answers', () => {
  it('every result gets resultType "complete"; the cacheable ones ttlMs and cacheScope, on a copy', () => {
    const cached = { tools: [] };
    const response: JsonRpcResponse = { jsonrpc: '2.0', id: 1, result: cached };
    completeAnswer(response, cacheHintsFor('tools/list', { tools: { listChanged: true } }));
    expect(response.result).toEqual({ tools: [], resultType: 'complete', ttlMs: 0, cacheScope: 'private' });
    expect(cached).toEqual({ tools: [] }); // the router's cached list, shared with 2025 sessions, is untouched
    const call: JsonRpcResponse = { jsonrpc: '2.0', id: 2, result: { content: [] } };
    completeAnswer(call, cacheHintsFor('tools/call', {}));
    expect(call.result).toEqual({ content: [], resultType: 'complete' });
  });
  it('hints follow what the server declared: lists without listChanged stay fresh for a while', () => {
    expect(cacheHintsFor('prompts/list', { prompts: {} })).toEqual({
      ttlMs: STATIC_LIST_TTL_MS,
      cacheScope: 'private',
    });
    expect(cacheHintsFor('resources/read', { resources: { listChanged: false } })).toEqual({
      ttlMs: 0,
      cacheScope: 'private',
    });
    expect(cacheHintsFor('completion/complete', {})).toBeUndefined();
  });
  it('valid hints a server gave are kept', () => {
    const response: JsonRpcResponse = { jsonrpc: '2.0', id: 1, result: { tools: [], ttlMs: 5, cacheScope: 'public' } };
    completeAnswer(response, { ttlMs: 0, cacheScope: 'private' });
    expect(response.result).toMatchObject({ ttlMs: 5, cacheScope: 'public' });
  });
  it('an unknown resource is -32602 with data.uri (-32002 is no longer a code)', () => {
    const response: JsonRpcResponse = { jsonrpc: '2.0', id: 1, error: { code: -32002, message: 'not found' } };
    completeAnswer(response, undefined, 'test://x');
    expect(response.error).toEqual({ code: -32602, message: 'not found', data: { uri: 'test://x' } });
    const other: JsonRpcResponse = { jsonrpc: '2.0', id: 1, error: { code: -32602, message: 'bad args' } };
    completeAnswer(other, undefined);
    expect(other.error).toEqual({ code: -32602, message: 'bad args' });
  });
  it('server/discover from the InitializeResult: versions, capabilities without tasks, instructions, serverInfo', () => {
    const initialize = {
      protocolVersion: '2025-11-25',
      capabilities: { tools: {}, tasks: { list: {} } },
      serverInfo: { name: 's', version: '1' },
      instructions: 'be nice',
    };
    expect(discoverResult(initialize, ['2026-07-28', '2025-11-25'])).toEqual({
      resultType: 'complete',
      supportedVersions: ['2026-07-28', '2025-11-25'],
      capabilities: { tools: {} },
      instructions: 'be nice',
      ttlMs: STATIC_LIST_TTL_MS,
      cacheScope: 'public',
      _meta: { 'io.modelcontextprotocol/serverInfo': { name: 's', version: '1' } },
    });
  });
});

describe('subscriptions/listen', () => {
  const SERVER = { tools: { listChanged: true }, prompts: {}, resources: { subscribe: true } };
  it('honours only what the server can send, and delivers only what was asked for', () => {
    const filter = readFilter({
      notifications: { toolsListChanged: true, promptsListChanged: true, resourceSubscriptions: ['a', 'a'] },
    });
    if (typeof filter === 'string') throw new Error(filter);
    const agreed = honoured(filter, SERVER);
    expect(agreed).toEqual({ toolsListChanged: true, resourceSubscriptions: ['a'] });
    const note = (method: string, params?: Record<string, unknown>): JsonRpcNotification => ({
      jsonrpc: '2.0',
      method,
      ...(params ? { params } : {}),
    });
    expect(wants(agreed, note('notifications/tools/list_changed'))).toBe(true);
    expect(wants(agreed, note('notifications/prompts/list_changed'))).toBe(false);
    expect(wants(agreed, note('notifications/resources/updated', { uri: 'a' }))).toBe(true);
    expect(wants(agreed, note('notifications/resources/updated', { uri: 'b' }))).toBe(false);
    expect(wants(agreed, note('notifications/message'))).toBe(false);
  });
  it('refuses malformed filters', () => {
    expect(readFilter({ notifications: { toolsListChanged: 'yes' } })).toMatch(/boolean/);
    expect(readFilter({ notifications: { resourceSubscriptions: [1] } })).toMatch(/URIs/);
  });
  it('tags a copy with the subscription id, keeping its JSON type; the ack comes first with the agreed filter', () => {
    const original: JsonRpcNotification = { jsonrpc: '2.0', method: 'notifications/tools/list_changed' };
    expect(tagged(original, 'listen:0').params).toEqual({
      _meta: { 'io.modelcontextprotocol/subscriptionId': 'listen:0' },
    });
    expect(original.params).toBeUndefined();
    expect(acknowledgement(5, { toolsListChanged: true }).params).toEqual({
      _meta: { 'io.modelcontextprotocol/subscriptionId': 5 },
      notifications: { toolsListChanged: true },
    });
  });
});

describe('requestState', () => {
  it('opens what it signed', () => {
    expect(openState(KEY, signState(KEY, CLAIMS))).toEqual(CLAIMS);
  });
  it('refuses another key, garbage, and anything not a string', () => {
    expect(openState(new Uint8Array(32).fill(8), signState(KEY, CLAIMS))).toBe('signature');
    expect(openState(KEY, 'v1.abc')).toBe('malformed');
    expect(openState(KEY, 42)).toBe('malformed');
  });
  it('property: changing any character of a state makes it fail to open', () => {
    const token = signState(KEY, CLAIMS);
    const chars = fc.constantFrom(...'ABCXYZabcxyz0189-_.=+/! '.split(''));
    fc.assert(
      fc.property(fc.nat({ max: token.length - 1 }), chars, (at, char) => {
        fc.pre(token[at] !== char);
        const tampered = token.slice(0, at) + char + token.slice(at + 1);
        expect(openState(KEY, tampered)).toMatch(/^(signature|malformed)$/);
      }),
      { numRuns: 500 },
    );
  });
  it('the digest names method, target and arguments, whatever order the client writes them in', () => {
    const call = (args: object, name = 'echo'): JsonRpcRequest => ({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: { name, arguments: args },
    });
    expect(requestDigest(call({ a: 1, b: [1, { c: 2, d: 3 }] }))).toBe(
      requestDigest(call({ b: [1, { d: 3, c: 2 }], a: 1 })),
    );
    expect(requestDigest(call({ a: 1 }))).not.toBe(requestDigest(call({ a: 2 })));
    expect(requestDigest(call({ a: 1 }))).not.toBe(requestDigest(call({ a: 1 }, 'other')));
  });
});
