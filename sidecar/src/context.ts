// The request context: made once at the HTTP edge for every client message, and carried unchanged in shape through
// the session, the upstream and the router to the forward step, where request decorators read it. It is the one
// place a request's era, protocol version, session, caller, trace and answer stream travel together.
// Types and constants only: the router (pure) and the I/O layers all read it.

import type { JsonRpcMessage } from '@mcp-sidecar/protocol';

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

/** Who sent the request. Only anonymous callers exist until the identity stage sets something stronger. */
export interface Identity {
  readonly source: 'anonymous';
}

export const ANONYMOUS: Identity = Object.freeze({ source: 'anonymous' });

/** The request's trace. A no-op until tracing is configured; the hot path only ever calls through this seam. */
export interface TraceHandle {
  /** False for the no-op handle, so decorators skip their work without allocating. */
  readonly recording: boolean;
}

export const NO_TRACE: TraceHandle = Object.freeze({ recording: false });

export interface RequestContext<S = ResponseSink> {
  readonly era: Era;
  /** The version the request speaks: the session's negotiated one, or the one it declares. */
  readonly protocolVersion: string;
  /** The session the request belongs to; undefined for a request that opens one or has none. */
  readonly sessionId: string | undefined;
  readonly identity: Identity;
  readonly trace: TraceHandle;
  /** Where the answer and everything belonging to the request goes. */
  readonly sink: S;
}
