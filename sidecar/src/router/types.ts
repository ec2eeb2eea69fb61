// Types shared by the router's modules. The router is a pure state machine: it takes parsed JSON-RPC messages
// and returns effects; the caller performs them. `S` is the transport's opaque handle for one response stream, `H`
// the session layer's opaque handle for one session (what a `notify` effect is delivered to).

import type { JsonRpcId, JsonRpcMessage, JsonRpcResponse } from '@mcp-sidecar/protocol';

import type { Denial } from '../context.ts';

/** Why a message could not be delivered; the caller logs it and counts it in a metric. */
export type DropReason =
  | 'unknown_response' // a response whose id matches no request in flight (late, after cancel or restart)
  | 'unknown_progress' // progress for a token that is not active
  | 'unattributable' // a message the router cannot tie to one session (shared upstream, ambiguous)
  | 'foreign_response' // a client answered a server request that was sent to another session
  | 'capability'; // a server request for a capability the client did not declare

export type Effect<S, H = unknown> =
  /** Write this message to the upstream server. */
  | { readonly kind: 'upstream'; readonly message: JsonRpcMessage }
  /** Send on a request's response stream; `final` marks the response that completes the stream. */
  | { readonly kind: 'deliver'; readonly stream: S; readonly message: JsonRpcMessage; readonly final: boolean }
  /**
   * Send on the session's standalone stream (GET), or keep it for that stream if no client is listening. `owner` is
   * the session itself, so delivering needs no lookup; `sessionId` names it in logs.
   */
  | { readonly kind: 'notify'; readonly sessionId: string; readonly owner: H; readonly message: JsonRpcMessage }
  /** Close a response stream without a response (its request was cancelled). */
  | { readonly kind: 'end'; readonly stream: S }
  /** The answer to a request the bridge itself sent (handshake, warm-up, restoring state). */
  | { readonly kind: 'internal'; readonly id: number; readonly response: JsonRpcResponse }
  /** `expected`: normal operation rather than a fault (logged at info, still counted). */
  | { readonly kind: 'dropped'; readonly reason: DropReason; readonly detail: string; readonly expected?: boolean }
  /** The access policy refused a request (already answered with an error); to be logged and counted. */
  | {
      readonly kind: 'denied';
      readonly denial: Denial;
      readonly caller: string;
      readonly method: string;
      readonly logFields: Readonly<Record<string, string>> | undefined;
    };

/** The client capabilities the router needs to relay server→client requests. */
export interface ClientCapabilities {
  readonly sampling: boolean;
  readonly elicitation: boolean;
  readonly roots: boolean;
}

export const ALL_CAPABILITIES: ClientCapabilities = { sampling: true, elicitation: true, roots: true };

/** What the router keeps per session: made by openSession, held by the session, handed back on every message. */
export interface RouterSession<S, H = unknown> {
  readonly id: string;
  /** The session layer's handle, carried by `notify` effects. */
  readonly owner: H;
  readonly capabilities: ClientCapabilities;
  /** Severity rank of the level this session asked for with logging/setLevel; -1 when it never asked. */
  logSeverity: number;
  readonly subscriptions: Set<string>;
  /** Client request id (as idKey) → upstream id, for cancellation. */
  readonly inflight: Map<string, number>;
  /** True when the bridge answered this session's initialize itself, so its `initialized` stays here. */
  initializedByBridge: boolean;
  /** Streams of server→client requests sent to this session, by the request's idKey. */
  readonly serverRequests: Map<string, S | null>;
}

export interface Pending<S, H = unknown> {
  /** null for a request the bridge itself sent. */
  readonly session: RouterSession<S, H> | null;
  readonly clientId: JsonRpcId;
  /** The id the answer carries back: clientId as the client wrote it, byte for byte (exactId). */
  readonly replyId: JsonRpcId;
  readonly method: string;
  readonly stream: S | null;
  /** The client's own progress token as it wrote it, restored on every progress notification. */
  readonly clientToken: JsonRpcId | undefined;
  /** List-cache generation when a cacheable list request was sent; undefined when not cacheable. */
  readonly listGeneration: number | undefined;
  /** Name of the tool, prompt or resource, for error messages an agent can act on. */
  readonly target: string | undefined;
}
