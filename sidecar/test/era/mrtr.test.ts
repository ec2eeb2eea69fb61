// The MRTR state machine of one call (pure): a 2025-era server's questions become input_required rounds, the
// client's answers go back to the server, and every question the server asked gets exactly one answer or refusal.

import fc from 'fast-check';
import type { JsonRpcRequest, JsonRpcResponse } from '@mcp-sidecar/protocol';
import { describe, expect, it } from 'vitest';

import { type Action, INPUT_KEY_META, MrtrCall } from '../../src/era/mrtr.ts';
import type { ClientCapabilities } from '../../src/router/types.ts';

const ALL: ClientCapabilities = { sampling: true, elicitation: true, roots: true };
const SAMPLING_ONLY: ClientCapabilities = { sampling: true, elicitation: false, roots: false };
let nextId = 100;
const ask = (method: string, key?: string, params: Record<string, unknown> = {}): JsonRpcRequest => ({
  jsonrpc: '2.0',
  id: nextId++,
  method,
  params: key ? { ...params, _meta: { [INPUT_KEY_META]: key } } : params,
});
const final: JsonRpcResponse = { jsonrpc: '2.0', id: 1, result: { content: [] } };
const kinds = (actions: Action[]) => actions.map((action) => action.kind);
const round = (actions: Action[]) =>
  actions.find((a) => a.kind === 'input-required') as Extract<Action, { kind: 'input-required' }>;

describe('MrtrCall', () => {
  it('one question: gathered, sent as a round keyed as the server named it, answered, then the final answer', () => {
    const call = new MrtrCall(ALL, undefined);
    const question = ask('elicitation/create', 'user_name', { message: 'Name?', elicitationId: 'e1' });
    expect(kinds(call.serverRequest(question))).toEqual(['window']);
    const sent = round(call.windowClosed());
    expect(sent).toEqual({
      kind: 'input-required',
      round: 1,
      inputRequests: { user_name: { method: 'elicitation/create', params: { message: 'Name?' } } },
    });
    expect(call.phase).toBe('waiting');
    const answer = { action: 'accept', content: { name: 'Alice' } };
    expect(call.retry({ round: 1, inputResponses: { user_name: answer, extra: {} } })).toEqual([
      { kind: 'answer', upstreamId: question.id, result: answer },
    ]);
    expect(call.phase).toBe('running');
    expect(call.final(final)).toEqual([{ kind: 'final', response: final }]);
    expect(call.phase).toBe('done');
  });

  it('several questions at once make one round; unnamed ones get <kind>-<n> keys', () => {
    const call = new MrtrCall(ALL, undefined);
    call.serverRequest(ask('elicitation/create'));
    call.serverRequest(ask('sampling/createMessage'));
    call.serverRequest(ask('roots/list'));
    expect(Object.keys(round(call.windowClosed()).inputRequests)).toEqual(['elicitation-1', 'sampling-1', 'roots-1']);
  });

  it('an answer missing from the retry gets a new round for what is still missing', () => {
    const call = new MrtrCall(ALL, undefined);
    call.serverRequest(ask('elicitation/create', 'a'));
    call.serverRequest(ask('elicitation/create', 'b'));
    call.windowClosed();
    const actions = call.retry({ round: 1, inputResponses: { a: { action: 'decline' } } }) as Action[];
    expect(kinds(actions)).toEqual(['answer', 'input-required']);
    expect(round(actions)).toMatchObject({ round: 2, inputRequests: { b: { method: 'elicitation/create' } } });
  });

  it('a retry of an earlier round is a replay; a second retry of the current one finds it busy', () => {
    const call = new MrtrCall(ALL, undefined);
    call.serverRequest(ask('roots/list', 'r'));
    call.windowClosed();
    expect(call.retry({ round: 0, inputResponses: {} })).toBe('replayed');
    expect(call.retry({ round: 1, inputResponses: { r: { roots: [] } } })).toHaveLength(1);
    expect(call.retry({ round: 1, inputResponses: { r: { roots: [] } } })).toBe('busy');
    call.final(final);
    expect(call.retry({ round: 1, inputResponses: {} })).toBe('replayed');
  });

  it('malformed inputResponses are refused and the round keeps waiting', () => {
    const call = new MrtrCall(ALL, undefined);
    call.serverRequest(ask('elicitation/create', 'user_name'));
    call.windowClosed();
    expect(call.retry({ round: 1, inputResponses: { user_name: 12345 } })).toBe('invalid-responses');
    expect(call.retry({ round: 1, inputResponses: null })).toBe('invalid-responses');
    expect(call.phase).toBe('waiting');
  });

  it('first contact: answers sent up front are used when the server asks under that key', () => {
    const call = new MrtrCall(ALL, { user_name: { action: 'accept', content: { name: 'Bob' } } });
    const question = ask('elicitation/create', 'user_name');
    expect(call.serverRequest(question)).toEqual([
      { kind: 'answer', upstreamId: question.id, result: { action: 'accept', content: { name: 'Bob' } } },
    ]);
    expect(call.phase).toBe('running');
  });

  it('only undeclared questions: -32021 naming the capability, the question refused, the call cancelled', () => {
    const call = new MrtrCall({ sampling: false, elicitation: false, roots: false }, undefined);
    const question = ask('sampling/createMessage');
    expect(call.serverRequest(question)).toEqual([{ kind: 'window' }]);
    expect(call.windowClosed()).toEqual([
      { kind: 'missing-capability', method: 'sampling/createMessage', capability: 'sampling' },
      { kind: 'refuse', upstreamId: question.id, method: 'sampling/createMessage', why: 'capability' },
      { kind: 'cancel' },
    ]);
  });

  it('undeclared beside declared: the undeclared one is refused and the round holds only the declared one', () => {
    const call = new MrtrCall(SAMPLING_ONLY, undefined);
    call.serverRequest(ask('elicitation/create', 'user_name'));
    call.serverRequest(ask('sampling/createMessage', 'capital'));
    const actions = call.windowClosed();
    expect(kinds(actions)).toEqual(['refuse', 'input-required']);
    expect(Object.keys(round(actions).inputRequests)).toEqual(['capital']);
  });

  it('the server answering while the client is away: the next retry gets that answer', () => {
    const call = new MrtrCall(ALL, undefined);
    const question = ask('roots/list', 'r');
    call.serverRequest(question);
    call.windowClosed();
    expect(call.final(final)).toEqual([
      { kind: 'refuse', upstreamId: question.id, method: 'roots/list', why: 'abandoned' },
    ]);
    expect(call.retry({ round: 1, inputResponses: {} })).toEqual([{ kind: 'final', response: final }]);
  });

  it('timeout and abandon: pending questions refused, the call cancelled, nothing after', () => {
    const call = new MrtrCall(ALL, undefined);
    const question = ask('elicitation/create', 'k');
    call.serverRequest(question);
    call.windowClosed();
    expect(call.stop('timeout')).toEqual([
      { kind: 'refuse', upstreamId: question.id, method: 'elicitation/create', why: 'timeout' },
      { kind: 'cancel' },
    ]);
    expect(call.stop('abandoned')).toEqual([]);
    expect(call.final(final)).toEqual([]);
    const late = ask('roots/list');
    expect(call.serverRequest(late)).toEqual([
      { kind: 'refuse', upstreamId: late.id, method: 'roots/list', why: 'abandoned' },
    ]);
  });

  it('a question asked after the server answered, while the client is away, is refused at once', () => {
    // Found by the property below (seed -1277029028): the question waited for a round that never came.
    const call = new MrtrCall(ALL, undefined);
    const first = ask('elicitation/create');
    call.serverRequest(first);
    call.windowClosed();
    expect(call.final(final)).toEqual([
      { kind: 'refuse', upstreamId: first.id, method: 'elicitation/create', why: 'abandoned' },
    ]);
    const late = ask('elicitation/create');
    expect(call.serverRequest(late)).toEqual([
      { kind: 'refuse', upstreamId: late.id, method: 'elicitation/create', why: 'abandoned' },
    ]);
    expect(call.retry({ round: 1, inputResponses: {} })).toEqual([{ kind: 'final', response: final }]);
  });

  it('property: every question the server asks is answered or refused exactly once, whatever the client does', () => {
    type Step =
      | { kind: 'ask'; method: string; key?: string }
      | { kind: 'close' }
      | { kind: 'retry'; answerAll: boolean }
      | { kind: 'final' }
      | { kind: 'stop' };
    const step = fc.oneof(
      fc.record({
        kind: fc.constant('ask' as const),
        method: fc.constantFrom('elicitation/create', 'sampling/createMessage', 'roots/list', 'ping/other'),
        key: fc.option(fc.constantFrom('a', 'b'), { nil: undefined }),
      }),
      fc.constant({ kind: 'close' as const }),
      fc.record({ kind: fc.constant('retry' as const), answerAll: fc.boolean() }),
      fc.constant({ kind: 'final' as const }),
      fc.constant({ kind: 'stop' as const }),
    );
    const capabilities = fc.record({ sampling: fc.boolean(), elicitation: fc.boolean(), roots: fc.boolean() });
    fc.assert(
      fc.property(capabilities, fc.array(step, { maxLength: 25 }), (caps, steps: Step[]) => {
        const call = new MrtrCall(caps, undefined);
        const asked: JsonRpcRequest['id'][] = [];
        const settled: JsonRpcRequest['id'][] = [];
        let lastRound: Record<string, unknown> = {};
        const take = (actions: Action[] | string) => {
          if (typeof actions === 'string') return;
          for (const action of actions) {
            if (action.kind === 'answer' || action.kind === 'refuse') settled.push(action.upstreamId);
            if (action.kind === 'input-required') lastRound = action.inputRequests;
          }
        };
        for (const s of steps) {
          if (s.kind === 'ask') {
            const question = ask(s.method, s.key);
            asked.push(question.id);
            take(call.serverRequest(question));
          } else if (s.kind === 'close') take(call.windowClosed());
          else if (s.kind === 'retry') {
            const keys = Object.keys(lastRound);
            const responses = Object.fromEntries((s.answerAll ? keys : keys.slice(1)).map((k) => [k, { ok: true }]));
            take(call.retry({ round: call.round, inputResponses: responses }));
          } else if (s.kind === 'final') take(call.final(final));
          else take(call.stop('abandoned'));
        }
        take(call.stop('timeout'));
        expect(new Set(settled).size).toBe(settled.length); // never twice
        expect([...settled].sort()).toEqual([...asked].sort()); // never left hanging
      }),
    );
  });
});
