// The access policy as a pure function: identity × (kind, name) → allowed, or a denial naming the rule or default;
// the list filter each caller's answers pass through; the document's errors.

import { describe, expect, it } from 'vitest';

import type { Identity, ResponseSink } from '../../src/context.ts';
import { CallerAccess } from '../../src/policy/access.ts';
import { readPolicyDocument } from '../../src/policy/document.ts';
import { compileGlob } from '../../src/policy/glob.ts';
import { compilePolicy } from '../../src/policy/policy.ts';

const policy = compilePolicy(
  readPolicyDocument({
    rules: [
      { name: 'everyone reads docs', match: {}, allow: { resources: ['docs://*'], prompts: ['greet'] } },
      { name: 'anonymous', match: { anonymous: true }, allow: { tools: ['search'] } },
      { match: { spiffe: 'spiffe://td/ns/agents/sa/*' }, allow: { tools: ['*'] }, deny: { tools: ['delete_*'] } },
      { match: { sub: 'ops-*', scopes: ['admin'] }, allow: { tools: ['delete_*'] } },
      { match: { claims: { team: 'data', groups: 'readers' } }, allow: { tools: ['export'] } },
    ],
  }),
);
const agent: Identity = { source: 'xfcc', spiffe: 'spiffe://td/ns/agents/sa/a1' };
const ops: Identity = { source: 'jwt', sub: 'ops-jane', scopes: ['admin', 'x'] };
const access = (identity: Identity) => new CallerAccess(policy, identity);

describe('access policy', () => {
  it('deny wins over allow among matching rules; unmatched names fall to the default (deny)', () => {
    expect(access(agent).decide('tool', 'search')).toBeUndefined();
    expect(access(agent).decide('tool', 'delete_all')).toEqual({
      kind: 'tool',
      name: 'delete_all',
      reason: 'rule 3 of the access policy denies it',
    });
    expect(access(agent).decide('prompt', 'secret')?.reason).toMatch(/no rule .* allows it .*default: deny/);
    expect(access({ source: 'anonymous' }).decide('tool', 'search')).toBeUndefined();
    expect(access({ source: 'anonymous' }).decide('tool', 'export')).toBeDefined();
    expect(access({ source: 'anonymous' }).decide('resource', 'docs://x/y')).toBeUndefined();
  });

  it('matches subjects, scopes (all of them) and claims (strings, arrays, globs)', () => {
    expect(access(ops).decide('tool', 'delete_all')).toBeUndefined();
    expect(access({ ...ops, scopes: ['x'] }).decide('tool', 'delete_all')).toBeDefined();
    const data = { source: 'jwt', sub: 'x', claims: { team: 'data', groups: ['writers', 'readers'] } } as const;
    expect(access(data).decide('tool', 'export')).toBeUndefined();
    expect(access({ ...data, claims: { team: 'data', groups: ['writers'] } }).decide('tool', 'export')).toBeDefined();
  });

  it('default: allow lets through what no rule decides, and denies still win', () => {
    const open = compilePolicy(
      readPolicyDocument({ default: 'allow', rules: [{ match: {}, deny: { tools: ['x'] } }] }),
    );
    expect(new CallerAccess(open, agent).decide('tool', 'anything')).toBeUndefined();
    expect(new CallerAccess(open, agent).decide('tool', 'x')).toBeDefined();
  });

  it('asks about the tool, prompt or resource a request names', () => {
    const request = (method: string, params: Record<string, unknown>) => ({
      jsonrpc: '2.0' as const,
      id: 1,
      method,
      params,
    });
    const a = access(agent);
    expect(a.denial(request('tools/call', { name: 'delete_all' }))?.name).toBe('delete_all');
    expect(a.denial(request('resources/read', { uri: 'secret://b' }))?.kind).toBe('resource');
    expect(a.denial(request('completion/complete', { ref: { type: 'ref/prompt', name: 'secret' } }))?.kind).toBe(
      'prompt',
    );
    expect(a.denial(request('tools/list', {}))).toBeUndefined();
    expect(a.denial(request('ping', {}))).toBeUndefined();
  });

  it('filters list answers for the caller without touching the list it was handed', () => {
    const delivered: unknown[] = [];
    const sink: ResponseSink = { deliver: (message) => void delivered.push(message), end: () => undefined };
    const tools = [{ name: 'search' }, { name: 'delete_all' }, { name: 'other' }];
    const answer = { jsonrpc: '2.0' as const, id: 1, result: { tools, nextCursor: 'c' } };
    access({ source: 'anonymous' }).filtering('tools/list', sink).deliver(answer, true);
    expect(delivered).toEqual([{ jsonrpc: '2.0', id: 1, result: { tools: [{ name: 'search' }], nextCursor: 'c' } }]);
    expect(answer.result.tools).toHaveLength(3);
    expect(access(agent).filtering('ping', sink)).toBe(sink);
  });

  it('names the first problem of a bad document and where it is', () => {
    expect(() => readPolicyDocument({ rules: [{ match: { spife: 'x' } }] })).toThrow(
      /spife.*rules\.0\.match|rules\.0\.match/,
    );
    expect(() => readPolicyDocument({ default: 'maybe', rules: [] })).toThrow(/default/);
    expect(() => readPolicyDocument({ rules: [{ match: {}, allow: { tool: ['x'] } }] })).toThrow(/rules\.0\.allow/);
  });

  it('globs: * spans anything (slashes too), ? one character, the rest literal', () => {
    expect(compileGlob('spiffe://td/ns/*')('spiffe://td/ns/a/sa/b')).toBe(true);
    expect(compileGlob('a?c')('abc')).toBe(true);
    expect(compileGlob('a?c')('abbc')).toBe(false);
    expect(compileGlob('a.c')('abc')).toBe(false);
    expect(compileGlob('(x)+')('(x)+')).toBe(true);
  });
});
