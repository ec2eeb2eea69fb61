// The request context: made once at the HTTP edge for every client message, and carried unchanged in shape through
// the session, the upstream and the router to the forward step, where request decorators read it. It is the one
// place a request's era, protocol version, session, caller, trace and answer stream travel together.
// Types and constants only: the router (pure) and the I/O layers all read it.

import type { JsonRpcId, JsonRpcMessage, JsonRpcRequest } from '@mcp-sidecar/protocol';

/**
 * Which protocol world a request belongs to, decided per request:
 * - `legacy-session`: 2024-11-05 to 2025-11-25 with a session (initialize opens one; Mcp-Session-Id or the legacy
 *   transport's sessionId names it);
 * - `legacy-sessionless`: a 2025-era request that names no session (refused: the bridge always issues sessions);
 * - `modern`: 2026-07-28, stateless.
 */
export type Era = 'legacy-session' | 'legacy-sessionless' | 'modern';

/** Where the router delivers a request's messages: a POST response stream, or the legacy SSE stream. */
export interface ResponseSink {
  deliver(message: JsonRpcMessage, final: boolean): void;
  end(): void;
}

/** Where a request's identity came from; exactly one source per request, the strongest one present. */
export type IdentitySource = 'certificate' | 'xfcc' | 'l5d' | 'token' | 'jwt' | 'anonymous';

/**
 * Who sent the request. Every field but `claims` is the documented contract the server receives in
 * `params._meta["io.mcp-sidecar/peer"]` (README, "Identity and access"); absent fields are left out.
 */
export interface Identity {
  readonly source: IdentitySource;
  /** The SPIFFE ID (a URI SAN starting with spiffe://) of the client certificate. */
  readonly spiffe?: string;
  /** The certificate subject, RFC 4514 (`CN=web,O=example`). */
  readonly subject?: string;
  /** DNS SANs of the certificate; Linkerd's client id. */
  readonly dns?: readonly string[];
  /** SHA-256 of the client certificate (DER), lowercase hex. */
  readonly certHash?: string;
  /** The JWT's sub claim, or the name of a static token. */
  readonly sub?: string;
  /** The JWT's scopes (scope / scp claims). */
  readonly scopes?: readonly string[];
  /** The JWT's claims, for policy rules only: never sent to the server. */
  readonly claims?: Readonly<Record<string, unknown>>;
}

export const ANONYMOUS: Identity = Object.freeze({ source: 'anonymous' });

/** The request's trace. A no-op until tracing is configured; the hot path only ever calls through this seam. */
export interface TraceHandle {
  /** False for the no-op handle, so decorators skip their work without allocating. */
  readonly recording: boolean;
  /** `trace_id` and `span_id` for the request's log lines; undefined when not recording. */
  readonly logFields: Readonly<Record<string, string>> | undefined;
  /** Starts the span of the upstream hop for the request sent with `upstreamId`; returns the W3C keys to forward. */
  upstreamHop(upstreamId: JsonRpcId): Readonly<Record<string, string>>;
}

const NO_KEYS: Readonly<Record<string, string>> = Object.freeze({});

export const NO_TRACE: TraceHandle = Object.freeze({
  recording: false,
  logFields: undefined,
  upstreamHop: () => NO_KEYS,
});

/** Why a caller may not make a request: what it asked for, and the rule (or default) that decided. */
export interface Denial {
  readonly kind: 'tool' | 'prompt' | 'resource';
  readonly name: string;
  readonly reason: string;
}

/** The access policy as it applies to one caller; absent when no policy is configured (everything is allowed). */
export interface Access {
  /** The caller's name in denials and logs (its SPIFFE ID, subject, sub…, or "anonymous"). */
  readonly caller: string;
  denial(request: JsonRpcRequest): Denial | undefined;
  /** The sink to answer `method` through: list results filtered to what the caller may use; others unchanged. */
  filtering(method: string, sink: ResponseSink): ResponseSink;
}

export interface RequestContext<S = ResponseSink> {
  readonly era: Era;
  /** The version the request speaks: the session's negotiated one, or the one it declares. */
  readonly protocolVersion: string;
  /** The session the request belongs to; undefined for a request that opens one or has none. */
  readonly sessionId: string | undefined;
  readonly identity: Identity;
  /** What the caller may use; undefined without --policy. */
  readonly access: Access | undefined;
  readonly trace: TraceHandle;
  /** Where the answer and everything belonging to the request goes. */
  readonly sink: S;
}
