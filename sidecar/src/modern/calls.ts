// The 2026-07-28 calls of this replica: the ones being answered (kept for keep-alives, shutdown and the metrics) and
// the ones waiting for their client's input between MRTR rounds (bounded by --max-input-waits, each until
// --input-timeout). Signs each round's requestState and checks a retry's before it reaches its call: signature
// (tampered or another key), replica, expiry, the call still waiting, the same request.

import { randomUUID } from 'node:crypto';

import type { JsonRpcRequest } from '@mcp-sidecar/protocol';

import { type HttpRefusal, refuse } from '../errors.ts';
import { openState, requestDigest, signState, type StateClaims } from '../era/request-state.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import { JSON_WINDOW_MS } from '../session/response-stream.ts';
import type { CallHost, ModernCall } from './call.ts';
import type { ModernLane } from './lanes.ts';
import type { ModernReply } from './reply.ts';

/**
 * How long the bridge gathers a server's questions before it answers input_required: a server that asks several
 * at once (Promise.all) writes them together, and they belong in one round.
 */
export const INPUT_WINDOW_MS = 25;

export interface CallsOptions {
  /** The HMAC key of requestState (from --state-key-file, or made at start). */
  readonly stateKey: Uint8Array;
  /** This replica's name in requestState. */
  readonly replica: string;
  readonly inputTimeoutMs: number;
  readonly maxInputWaits: number;
  readonly lane: ModernLane;
  readonly metrics: Metrics;
  readonly log: Logger;
}

export class ModernCalls implements CallHost {
  readonly windowMs = INPUT_WINDOW_MS;
  readonly inputTimeoutMs: number;
  readonly #options: CallsOptions;
  /** Calls answering now, for keep-alives, the long-call upgrade and shutdown. */
  readonly #live = new Set<ModernCall>();
  /** Calls that have waited for input at least once, by the call id their requestState names. */
  readonly #waiting = new Map<string, ModernCall>();

  constructor(options: CallsOptions) {
    this.#options = options;
    this.inputTimeoutMs = options.inputTimeoutMs;
  }

  /** Calls being answered now: shutdown waits for them like for session requests (not for the waiting ones). */
  get answering(): number {
    return this.#live.size;
  }

  get waiting(): number {
    return this.#waiting.size;
  }

  started(call: ModernCall): void {
    this.#live.add(call);
  }

  enterWait(call: ModernCall, round: number): string | HttpRefusal {
    if (call.callId === undefined) {
      if (this.#waiting.size >= this.#options.maxInputWaits) {
        return refuse.tooManyInputWaits(this.#options.maxInputWaits);
      }
      call.callId = randomUUID();
      this.#waiting.set(call.callId, call);
    }
    if (call.firstRequest) call.digest = requestDigest(call.firstRequest);
    call.firstRequest = undefined;
    this.#live.delete(call);
    this.#options.metrics.inputRounds.inc();
    const method = call.spec.method;
    this.#options.log.debug(
      { era: 'modern', call: call.callId, round, method },
      'input_required: waiting for the client',
    );
    const claims: StateClaims = {
      call: call.callId,
      round,
      replica: this.#options.replica,
      expiresAt: Date.now() + this.inputTimeoutMs,
      digest: call.digest ?? '',
    };
    return signState(this.#options.stateKey, claims);
  }

  finished(call: ModernCall, outcome: 'answered' | 'cancelled' | 'expired'): void {
    this.#live.delete(call);
    if (call.callId !== undefined) this.#waiting.delete(call.callId);
    if (outcome === 'expired') {
      this.#options.metrics.inputExpired.inc();
      this.#options.log.info({ era: 'modern', call: call.callId, method: call.spec.method }, 'input wait expired');
    }
    this.#options.lane.release(call.spec.member);
  }

  /**
   * A retry carrying a requestState: checks it and hands the client's answers to its call, which answers `reply`.
   * Returns the call, or the refusal (the call, if any, keeps waiting).
   */
  resume(reply: ModernReply, request: JsonRpcRequest): ModernCall | HttpRefusal {
    const params = request.params ?? {};
    const checked = this.#check(params.requestState, request);
    if (!('round' in checked)) {
      this.#options.metrics.inputStatesRefused.inc({ reason: checked.code });
      return checked;
    }
    const call = this.#waiting.get(checked.call)!;
    this.#live.add(call);
    const refusal = call.resume(reply, checked.round, params.inputResponses);
    if (!refusal) return call;
    this.#live.delete(call);
    this.#options.metrics.inputStatesRefused.inc({ reason: refusal.code });
    return refusal;
  }

  #check(token: unknown, request: JsonRpcRequest): StateClaims | HttpRefusal {
    const claims = openState(this.#options.stateKey, token);
    if (claims === 'malformed') return refuse.stateInvalid('is not one this bridge issued (malformed)');
    if (claims === 'signature')
      return refuse.stateInvalid('fails its signature check: tampered, or signed with another key');
    if (claims.replica !== this.#options.replica) return refuse.wrongReplica(claims.replica, this.#options.replica);
    const age = Date.now() - claims.expiresAt;
    if (age > 0) return refuse.stateExpired(age);
    const call = this.#waiting.get(claims.call);
    if (!call) return refuse.notWaiting();
    if (call.digest !== requestDigest(request)) {
      return refuse.stateReplayed(`was issued for another request than this ${request.method}`);
    }
    return claims;
  }

  /** Long answers become SSE streams; SSE streams get keep-alive comments. */
  tick(now: number): void {
    for (const call of this.#live) call.reply?.upgradeIfOlderThan(now, JSON_WINDOW_MS);
  }

  keepalive(comment: string): void {
    for (const call of this.#live) call.reply?.keepalive(comment);
  }

  /** Shutdown: calls still waiting for input are stopped (their servers' questions get errors). */
  stopAll(): void {
    for (const call of [...this.#waiting.values()]) call.expire();
    for (const call of [...this.#live]) call.abandon();
  }
}
