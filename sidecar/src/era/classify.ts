// Which era a request belongs to, decided once per request at the HTTP edge from what it carries. Pure.
// Today every request is of the 2025 era: with a session (initialize opens one), or without (refused).

import type { Era } from '../context.ts';

export interface EraEvidence {
  /** The JSON-RPC method, for requests and notifications. */
  readonly method: string | undefined;
  /** Mcp-Session-Id (or the legacy transport's sessionId), when the request names a session. */
  readonly sessionId: string | undefined;
}

export function classifyEra(evidence: EraEvidence): Era {
  if (evidence.sessionId !== undefined || evidence.method === 'initialize') return 'legacy-session';
  return 'legacy-sessionless';
}
