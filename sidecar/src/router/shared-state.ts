// State that many sessions share on one upstream: resource subscriptions (ref-counted per URI) and the
// logging level (the upstream runs at the most verbose level any session asked for). Each session sees the
// answers it would get from a server of its own; the upstream sees one subscription per URI and one level.

import type { JsonRpcRequest, JsonRpcResponse } from '@mcp-sidecar/protocol';
import { LOGGING_LEVELS, loggingSeverity } from '@mcp-sidecar/protocol';

import type { Pending, RouterSession } from './types.ts';

export interface UpstreamCall {
  readonly method: string;
  readonly params: Record<string, unknown>;
}

export class SharedState<S, H> {
  /** URI → the sessions subscribed to it. */
  readonly #subscribers = new Map<string, Set<RouterSession<S, H>>>();
  /** Severity the upstream was last set to; -1 before anyone asked. */
  #upstreamSeverity = -1;

  /**
   * Handles logging/setLevel and resources/(un)subscribe for one session. Returns the result to answer
   * locally, or undefined when the (possibly rewritten) request must go upstream.
   */
  handle(session: RouterSession<S, H>, request: JsonRpcRequest, sessions: readonly RouterSession<S, H>[]): unknown {
    const params = request.params;
    if (request.method === 'logging/setLevel') {
      const severity = loggingSeverity(params?.level);
      if (severity < 0) return undefined; // let the server report the invalid level itself
      session.logSeverity = severity;
      const effective = mostVerbose(sessions);
      if (effective === this.#upstreamSeverity) return {};
      this.#upstreamSeverity = effective;
      request.params = { ...params, level: LOGGING_LEVELS[effective] };
      return undefined;
    }
    const uri = params?.uri;
    if (typeof uri !== 'string') return undefined;
    return request.method === 'resources/subscribe' ? this.#subscribe(session, uri) : this.#unsubscribe(session, uri);
  }

  /** A subscribe the upstream refused is taken back, so the next session's subscribe is forwarded again. */
  settle(pending: Pending<S, H>, response: JsonRpcResponse): void {
    const uri = pending.target;
    if (pending.method !== 'resources/subscribe' || !response.error || !pending.session || uri === undefined) return;
    pending.session.subscriptions.delete(uri);
    const set = this.#subscribers.get(uri);
    set?.delete(pending.session);
    if (set?.size === 0) this.#subscribers.delete(uri);
  }

  subscribersOf(uri: unknown): RouterSession<S, H>[] {
    const set = typeof uri === 'string' ? this.#subscribers.get(uri) : undefined;
    return set ? [...set] : [];
  }

  /**
   * Sessions that get a log message no request can claim: those that asked for its level or a more verbose
   * one. In exclusive mode a session that never asked gets everything, as it would from its own server.
   */
  logRecipients(level: unknown, sessions: Iterable<RouterSession<S, H>>, exclusive: boolean): RouterSession<S, H>[] {
    const severity = loggingSeverity(level);
    const recipients: RouterSession<S, H>[] = [];
    for (const session of sessions) {
      const wanted = session.logSeverity >= 0 ? session.logSeverity : exclusive ? -Infinity : Infinity;
      if (severity >= wanted) recipients.push(session);
    }
    return recipients;
  }

  /** A session ended: upstream calls that drop its subscriptions and relax the log level. */
  release(session: RouterSession<S, H>, remaining: readonly RouterSession<S, H>[]): UpstreamCall[] {
    const calls: UpstreamCall[] = [];
    for (const uri of session.subscriptions) {
      const set = this.#subscribers.get(uri);
      set?.delete(session);
      if (set?.size !== 0) continue;
      this.#subscribers.delete(uri);
      calls.push({ method: 'resources/unsubscribe', params: { uri } });
    }
    const effective = mostVerbose(remaining);
    // The level cannot be unset: when nobody wants logs any more the upstream keeps its last level.
    if (effective >= 0 && effective !== this.#upstreamSeverity) {
      this.#upstreamSeverity = effective;
      calls.push({ method: 'logging/setLevel', params: { level: LOGGING_LEVELS[effective] } });
    }
    return calls;
  }

  /** Calls that give a restarted upstream the subscriptions and log level the sessions still hold. */
  restore(sessions: readonly RouterSession<S, H>[]): UpstreamCall[] {
    const calls: UpstreamCall[] = [...this.#subscribers.keys()].map((uri) => ({
      method: 'resources/subscribe',
      params: { uri },
    }));
    this.#upstreamSeverity = mostVerbose(sessions);
    if (this.#upstreamSeverity >= 0) {
      calls.push({ method: 'logging/setLevel', params: { level: LOGGING_LEVELS[this.#upstreamSeverity] } });
    }
    return calls;
  }

  #subscribe(session: RouterSession<S, H>, uri: string): unknown {
    let set = this.#subscribers.get(uri);
    const first = set === undefined;
    if (!set) this.#subscribers.set(uri, (set = new Set()));
    set.add(session);
    session.subscriptions.add(uri);
    return first ? undefined : {};
  }

  #unsubscribe(session: RouterSession<S, H>, uri: string): unknown {
    session.subscriptions.delete(uri);
    const set = this.#subscribers.get(uri);
    if (!set?.delete(session) || set.size > 0) return {};
    this.#subscribers.delete(uri);
    return undefined;
  }
}

/** Lowest severity any session asked for (the most verbose level), or -1. */
function mostVerbose<S, H>(sessions: readonly RouterSession<S, H>[]): number {
  let best = -1;
  for (const session of sessions) {
    if (session.logSeverity >= 0 && (best < 0 || session.logSeverity < best)) best = session.logSeverity;
  }
  return best;
}
