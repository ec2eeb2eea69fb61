// One 2026-07-28 call on its way through an upstream: the sink the router delivers the call's messages to, across
// every round of it. Most calls are one round: forward, stamp the answer (resultType, cache hints), send it. When a
// 2025-era server asks the client something, the MRTR machine (era/mrtr.ts) decides and this performs its actions:
// answers to the server, the input_required round, the quiet window and the round's expiry (timers), cancelling.
// The client closing a round's answer before it is sent cancels the call (streamable-http.mdx "Cancellation").

import { type JsonRpcMessage, type JsonRpcRequest, type JsonRpcResponse, loggingSeverity } from '@mcp-sidecar/protocol';

import type { RequestContext, ResponseSink } from '../context.ts';
import type { Envelope } from '../era/envelope.ts';
import { INPUT_METHODS } from '../era/methods.ts';
import { type Action, INPUT_CAPABILITY, MrtrCall, type Refusal, type RetryFault } from '../era/mrtr.ts';
import { type CacheHints, completeAnswer } from '../era/results.ts';
import { fail, type HttpRefusal, refuse, type RpcFailure } from '../errors.ts';
import type { ModernMember } from './member.ts';
import type { ModernReply } from './reply.ts';

/** What a call needs from the table that owns it (modern/calls.ts). */
export interface CallHost {
  readonly windowMs: number;
  readonly inputTimeoutMs: number;
  /** The call is about to wait for the client: its requestState for `round`, or the refusal when none may wait. */
  enterWait(call: ModernCall, round: number): string | HttpRefusal;
  /** The call is over (answered, refused, cancelled, expired): forget it and give its upstream back. */
  finished(call: ModernCall, outcome: 'answered' | 'cancelled' | 'expired'): void;
}

export interface CallSpec {
  readonly member: ModernMember;
  readonly method: string;
  /** The tool, prompt or resource, for error messages and the -32002 mapping. */
  readonly target: string | undefined;
  readonly envelope: Envelope;
  readonly hints: CacheHints | undefined;
  /** A 2025-era upstream: stamp its answers and turn its questions into rounds. False for a modern upstream. */
  readonly translate: boolean;
}

const FAILURE_OF: Readonly<Record<Refusal, (method: string, timeoutMs: number) => RpcFailure>> = {
  capability: (method) => fail.undeclaredInput(method, INPUT_CAPABILITY[method] ?? method),
  timeout: (method, timeoutMs) => fail.inputTimedOut(method, timeoutMs),
  abandoned: (method) => fail.inputAbandoned(method),
};

export class ModernCall implements ResponseSink {
  /** The id the call has on its member; the upstream knows it by another, the client by its own. */
  readonly requestId: number;
  readonly spec: CallSpec;
  /** Set once the call first waits for the client (the requestState points at it). */
  callId: string | undefined;
  /** The request as it came first, until the call first waits (its digest binds the requestState). */
  firstRequest: JsonRpcRequest | undefined;
  /** Digest of that request (method, target, arguments), which every round's requestState carries. */
  digest: string | undefined;
  readonly #host: CallHost;
  #reply: ModernReply | undefined;
  #machine: MrtrCall | undefined;
  #timer: NodeJS.Timeout | undefined;
  #done = false;
  /** Set while the call stops because its wait expired, so it is counted as such. */
  #expiring = false;

  constructor(host: CallHost, spec: CallSpec, reply: ModernReply, prefilled?: Record<string, Record<string, unknown>>) {
    this.#host = host;
    this.spec = spec;
    this.#reply = reply;
    this.requestId = spec.member.nextRequestId();
    if (prefilled !== undefined) this.#machine = new MrtrCall(spec.envelope.capabilities, prefilled);
  }

  get reply(): ModernReply | undefined {
    return this.#reply;
  }

  /** Sends the request upstream under this call's id. */
  forward(ctx: RequestContext, request: JsonRpcRequest): void {
    if (this.spec.translate && INPUT_METHODS.has(request.method)) this.firstRequest = request;
    request.id = this.requestId;
    this.spec.member.send(ctx, { kind: 'request', message: request });
  }

  deliver(message: JsonRpcMessage, final: boolean): void {
    if (final) return this.#answered(message as JsonRpcResponse);
    if ('method' in message && 'id' in message) return this.#serverRequest(message);
    if (!('method' in message)) return;
    const reply = this.#reply;
    if (!reply || reply.done) return;
    if (message.method === 'notifications/progress') return reply.event(message);
    // logging.mdx: no notifications/message for a request without a logLevel, and none below it.
    const wanted = this.spec.envelope.logSeverity;
    if (message.method === 'notifications/message' && wanted >= 0 && loggingSeverity(message.params?.level) >= wanted) {
      reply.event(message);
    }
  }

  /** The router ended the call without an answer: it was cancelled (by this call). */
  end(): void {
    this.#reply?.abort();
    this.#finish(this.#expiring ? 'expired' : 'cancelled');
  }

  /** The client went away before the round's answer: the call is cancelled upstream. */
  abandon(): void {
    if (this.#done) return;
    if (this.#machine) return this.#perform(this.#machine.stop('abandoned'));
    this.#cancel('the client closed the response stream');
  }

  /** The round's wait for the client is over (--input-timeout). */
  expire(): void {
    if (this.#done || !this.#machine) return;
    this.#expiring = true;
    this.#perform(this.#machine.stop('timeout'));
  }

  /** A retry with this call's requestState (already verified) and the client's answers, on a new answer stream. */
  resume(reply: ModernReply, round: number, inputResponses: unknown): HttpRefusal | undefined {
    const actions = this.#machine?.retry({ round, inputResponses }) ?? 'replayed';
    if (typeof actions === 'string') return refusalOf(actions);
    clearTimeout(this.#timer);
    this.#reply = reply;
    this.spec.member.park(this.requestId, false);
    this.#perform(actions);
    return undefined;
  }

  #answered(response: JsonRpcResponse): void {
    if (this.#machine) return this.#perform(this.#machine.final(response));
    this.#send(response);
  }

  #send(response: JsonRpcResponse): void {
    const reply = this.#reply;
    const spec = this.spec;
    if (spec.translate)
      completeAnswer(response, spec.hints, spec.method === 'resources/read' ? spec.target : undefined);
    if (reply) {
      response.id = reply.id;
      reply.send(response);
    }
    this.#finish('answered');
  }

  #serverRequest(request: JsonRpcRequest): void {
    if (!this.spec.translate || !INPUT_METHODS.has(this.spec.method)) {
      const error = fail.inputNotAllowed(request.method, this.spec.method);
      return this.spec.member.answer(request.id, { error });
    }
    this.#machine ??= new MrtrCall(this.spec.envelope.capabilities, undefined);
    this.#perform(this.#machine.serverRequest(request));
  }

  #perform(actions: readonly Action[]): void {
    for (const action of actions) this.#act(action);
  }

  #act(action: Action): void {
    const member = this.spec.member;
    switch (action.kind) {
      case 'answer':
        return member.answer(action.upstreamId, { result: action.result });
      case 'refuse':
        return member.answer(action.upstreamId, {
          error: FAILURE_OF[action.why](action.method, this.#host.inputTimeoutMs),
        });
      case 'window':
        this.#timer = setTimeout(() => this.#perform(this.#machine?.windowClosed() ?? []), this.#host.windowMs);
        return;
      case 'input-required':
        return this.#inputRequired(action.round, action.inputRequests);
      case 'missing-capability':
        return this.#reply?.refuse(refuse.capability(action.method, action.capability));
      case 'final':
        return this.#send(action.response);
      case 'cancel':
        return this.#cancel('the 2026-07-28 client did not give the input the call needs');
    }
  }

  #inputRequired(round: number, inputRequests: Record<string, unknown>): void {
    const reply = this.#reply;
    const state = this.#host.enterWait(this, round);
    if (typeof state !== 'string') {
      reply?.refuse(state);
      return this.#perform(this.#machine?.stop('abandoned') ?? []);
    }
    this.#reply = undefined;
    this.spec.member.park(this.requestId, true);
    const result = { resultType: 'input_required', inputRequests, requestState: state };
    reply?.send({ jsonrpc: '2.0', id: reply.id, result });
    this.#timer = setTimeout(() => this.expire(), this.#host.inputTimeoutMs);
    this.#timer.unref();
  }

  #cancel(reason: string): void {
    if (this.#done) return;
    this.#reply?.abort();
    const outcome = this.#expiring ? 'expired' : 'cancelled';
    this.#finish(outcome); // first: the router's `end` for the cancelled call then finds it finished
    this.spec.member.cancel(this.requestId, reason);
  }

  #finish(outcome: 'answered' | 'cancelled' | 'expired'): void {
    if (this.#done) return;
    this.#done = true;
    clearTimeout(this.#timer);
    this.#host.finished(this, outcome);
  }
}

function refusalOf(fault: RetryFault): HttpRefusal {
  switch (fault) {
    case 'replayed':
      return refuse.stateReplayed('belongs to a round that was already answered; send the latest one');
    case 'busy':
      return refuse.stateReplayed('was already sent back once; its round is being served');
    case 'invalid-responses':
      return refuse.inputResponses('must be an object whose values are the answers (objects), keyed as asked');
  }
}
