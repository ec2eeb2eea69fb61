// Multi round-trip requests (basic/patterns/mrtr.mdx) over a 2025-era server: the state machine of one call. Pure.
//
// A 2025-era server asks its client for input with JSON-RPC requests (elicitation/create, sampling/createMessage,
// roots/list) while it handles a call. A 2026-07-28 client cannot be sent requests: it gets the call's answer
// `input_required` with the questions as `inputRequests`, answers them, and sends the call again with
// `inputResponses`. The bridge keeps the server's call pending across those rounds and plays the client's answers
// back to it as JSON-RPC responses. This machine decides; its owner (modern/call.ts) performs the actions, runs
// the timers and signs the requestState.
//
//   running ──server asks──▶ collecting ──quiet window──▶ waiting ──retry answers all──▶ running ──answer──▶ done
//      │                          │ (only undeclared asks: -32021, cancel)   │ retry answers some: waiting (next round)
//      └──answer──▶ done          └──answer──▶ done                          └─ timeout / abandon: cancel ──▶ done
//
// A question for a capability the request did not declare is held until the round closes: beside declared ones it
// is refused (the server copes) and the round goes out; alone, the call fails with -32021 naming the capability.

import type { JsonRpcId, JsonRpcRequest, JsonRpcResponse } from '@mcp-sidecar/protocol';

import type { ClientCapabilities } from '../router/types.ts';
import { isObject } from './envelope.ts';

/** The server→client requests that become input requests, and the client capability each needs. */
export const INPUT_CAPABILITY: Readonly<Record<string, keyof ClientCapabilities>> = {
  'elicitation/create': 'elicitation',
  'sampling/createMessage': 'sampling',
  'roots/list': 'roots',
};

const KIND: Readonly<Record<string, string>> = {
  'elicitation/create': 'elicitation',
  'sampling/createMessage': 'sampling',
  'roots/list': 'roots',
};

/**
 * A 2025-era server may name the key its question gets in `inputRequests` (default `<kind>-<n>`: elicitation-1…),
 * so that clients which answer known questions up front (first-contact `inputResponses`) can find it.
 */
export const INPUT_KEY_META = 'mcp-sidecar/inputKey';

export type Phase = 'running' | 'collecting' | 'waiting' | 'done';

/** Why the bridge answers a server's question with an error instead of the client's answer. */
export type Refusal = 'capability' | 'timeout' | 'abandoned';

export interface InputRequest {
  readonly key: string;
  readonly upstreamId: JsonRpcId;
  readonly method: string;
  /** As the 2026 client sees it: no `elicitationId`, no bridge key. */
  readonly params: Record<string, unknown> | undefined;
}

export type Action =
  | { readonly kind: 'answer'; readonly upstreamId: JsonRpcId; readonly result: unknown }
  | { readonly kind: 'refuse'; readonly upstreamId: JsonRpcId; readonly method: string; readonly why: Refusal }
  /** Start the quiet window that gathers the questions of one round. */
  | { readonly kind: 'window' }
  | { readonly kind: 'input-required'; readonly round: number; readonly inputRequests: Record<string, unknown> }
  | { readonly kind: 'missing-capability'; readonly method: string; readonly capability: string }
  | { readonly kind: 'final'; readonly response: JsonRpcResponse }
  /** Stop the server's call (notifications/cancelled). */
  | { readonly kind: 'cancel' };

/** What a retry carried; `undefined` inputResponses means none. */
export type Retry = { readonly round: number; readonly inputResponses: unknown };

export type RetryFault = 'replayed' | 'busy' | 'invalid-responses';

/** `inputResponses` must be absent or an object whose every value is an object (mrtr.mdx: malformed → error). */
export function validInputResponses(value: unknown): value is Record<string, Record<string, unknown>> | undefined {
  return value === undefined || (isObject(value) && Object.values(value).every(isObject));
}

export class MrtrCall {
  #phase: Phase = 'running';
  #round = 0;
  /** Questions of the round being gathered. */
  readonly #collected = new Map<string, InputRequest>();
  /** Questions sent to the client and not answered yet. */
  readonly #pending = new Map<string, InputRequest>();
  /**
   * Questions for capabilities the request did not declare, held until the round is complete: with declared ones
   * beside them they are refused and the round goes out; alone they make the call fail with -32021.
   */
  readonly #undeclared: { request: JsonRpcRequest; capability: string }[] = [];
  /** Answers the client sent before it was asked (first contact), by key; each is used once. */
  readonly #prefilled: Map<string, Record<string, unknown>>;
  readonly #ordinals = new Map<string, number>();
  readonly #capabilities: ClientCapabilities;
  /** The server answered while the client was away: the next retry gets it. */
  #final: JsonRpcResponse | undefined;

  constructor(capabilities: ClientCapabilities, prefilled: Record<string, Record<string, unknown>> | undefined) {
    this.#capabilities = capabilities;
    this.#prefilled = new Map(prefilled ? Object.entries(prefilled) : []);
  }

  get phase(): Phase {
    return this.#phase;
  }

  get round(): number {
    return this.#round;
  }

  /** The server asks for input while handling the call. */
  serverRequest(request: JsonRpcRequest): Action[] {
    const method = request.method;
    // After the call's answer (kept for the client's retry, or sent) no round can carry a question: refuse it now,
    // or it would wait for an answer that never comes.
    if (this.#phase === 'done' || this.#final !== undefined) return [refuse(request, 'abandoned')];
    const entry = this.#entry(request);
    const answer = this.#prefilled.get(entry.key);
    if (answer !== undefined) {
      this.#prefilled.delete(entry.key);
      return [{ kind: 'answer', upstreamId: request.id, result: answer }];
    }
    const capability = INPUT_CAPABILITY[method];
    if (capability === undefined || !this.#capabilities[capability]) {
      if (this.#phase === 'waiting') return [refuse(request, 'capability')];
      this.#undeclared.push({ request, capability: capability ?? method });
      return this.#gather();
    }
    if (this.#phase === 'waiting') {
      this.#pending.set(entry.key, entry); // asked after the round went out: part of the next one
      return [];
    }
    this.#collected.set(entry.key, entry);
    return this.#gather();
  }

  /** The quiet window is over: send the round, or refuse the call when it only asked for undeclared input. */
  windowClosed(): Action[] {
    if (this.#phase !== 'collecting') return [];
    const first = this.#undeclared[0];
    const refusals = this.#undeclared.splice(0).map(({ request }) => refuse(request, 'capability'));
    if (this.#collected.size > 0 || !first) {
      for (const [key, entry] of this.#collected) this.#pending.set(key, entry);
      this.#collected.clear();
      return [...refusals, ...this.#nextRound()];
    }
    this.#phase = 'done';
    const missing: Action = { kind: 'missing-capability', method: first.request.method, capability: first.capability };
    return [missing, ...refusals, { kind: 'cancel' }];
  }

  /** The server's answer to the call. */
  final(response: JsonRpcResponse): Action[] {
    if (this.#phase === 'done') return [];
    const unanswered = this.#dropQuestions('abandoned');
    if (this.#phase === 'waiting') {
      this.#final = response;
      return unanswered;
    }
    this.#phase = 'done';
    return [...unanswered, { kind: 'final', response }];
  }

  /** The client sent the call again with its answers and the state of round `retry.round`. */
  retry(retry: Retry): Action[] | RetryFault {
    if (this.#phase === 'done' || retry.round !== this.#round) return 'replayed';
    if (this.#phase !== 'waiting') return 'busy';
    if (!validInputResponses(retry.inputResponses)) return 'invalid-responses';
    if (this.#final !== undefined) {
      this.#phase = 'done';
      return [{ kind: 'final', response: this.#final }];
    }
    const actions: Action[] = [];
    const responses = retry.inputResponses ?? {};
    for (const [key, entry] of this.#pending) {
      const answer = responses[key];
      if (answer === undefined) continue;
      this.#pending.delete(key);
      actions.push({ kind: 'answer', upstreamId: entry.upstreamId, result: answer });
    }
    // mrtr.mdx: missing answers SHOULD get a new input_required for what is still missing, not an error.
    if (this.#pending.size > 0) return [...actions, ...this.#nextRound()];
    this.#phase = 'running';
    return actions;
  }

  /** The round's wait is over (--input-timeout) or the client went away: the server's questions fail, the call stops. */
  stop(why: 'timeout' | 'abandoned'): Action[] {
    if (this.#phase === 'done') return [];
    const actions = this.#dropQuestions(why);
    this.#phase = 'done';
    return [...actions, { kind: 'cancel' }];
  }

  #gather(): Action[] {
    if (this.#phase !== 'running') return [];
    this.#phase = 'collecting';
    return [{ kind: 'window' }];
  }

  #nextRound(): Action[] {
    this.#round += 1;
    this.#phase = 'waiting';
    const inputRequests: Record<string, unknown> = {};
    for (const [key, entry] of this.#pending) {
      inputRequests[key] =
        entry.params === undefined ? { method: entry.method } : { method: entry.method, params: entry.params };
    }
    return [{ kind: 'input-required', round: this.#round, inputRequests }];
  }

  #dropQuestions(why: Refusal): Action[] {
    const actions: Action[] = this.#undeclared.splice(0).map(({ request }) => refuse(request, 'capability'));
    for (const entry of [...this.#collected.values(), ...this.#pending.values()]) {
      actions.push({ kind: 'refuse', upstreamId: entry.upstreamId, method: entry.method, why });
    }
    this.#collected.clear();
    this.#pending.clear();
    return actions;
  }

  #entry(request: JsonRpcRequest): InputRequest {
    const { params, named } = clientParams(request.params);
    const kind = KIND[request.method] ?? request.method;
    const ordinal = (this.#ordinals.get(kind) ?? 0) + 1;
    this.#ordinals.set(kind, ordinal);
    let key = named ?? `${kind}-${ordinal}`;
    for (let n = 2; this.#collected.has(key) || this.#pending.has(key); n++) key = `${named ?? kind}-${n}`;
    return { key, upstreamId: request.id, method: request.method, params };
  }
}

const refuse = (request: JsonRpcRequest, why: Refusal): Action => ({
  kind: 'refuse',
  upstreamId: request.id,
  method: request.method,
  why,
});

/** The question's params as a 2026 client sees them, and the key the server named, if any. */
function clientParams(params: Record<string, unknown> | undefined): {
  params: Record<string, unknown> | undefined;
  named: string | undefined;
} {
  if (params === undefined) return { params, named: undefined };
  const { _meta, elicitationId: _dropped, ...rest } = params;
  if (!isObject(_meta)) return { params: rest, named: undefined };
  const { [INPUT_KEY_META]: key, ...meta } = _meta;
  const named = typeof key === 'string' && key !== '' ? key : undefined;
  return { params: Object.keys(meta).length > 0 ? { ...rest, _meta: meta } : rest, named };
}
