// Which era a request belongs to, decided once per request at the HTTP edge from what it carries. Pure.
//
// The body decides first (spec 2026-07-28, versioning.mdx "Dual-era servers"): a request whose `params._meta` carries
// the modern envelope is served statelessly, whatever else it names. Without it, a session id or `initialize`
// selects the 2025 era, exactly as before 2026-07-28 existed. A request with neither that names a version no session
// era knows (the 2026 probe without `_meta`, `v999.0.0`) is a malformed modern request, and gets the modern error
// that says so; a sessionless request naming a 2025 version (or none) is a 2025 request without its session.

import { isSupportedProtocolVersion } from '@mcp-sidecar/protocol';

import type { Era } from '../context.ts';

/** The protocol revision served without sessions. */
export const MODERN_PROTOCOL_VERSION = '2026-07-28';

/** Every revision the bridge serves, newest first: what server/discover and -32022 list. */
export const BRIDGE_SUPPORTED_VERSIONS: readonly string[] = [
  MODERN_PROTOCOL_VERSION,
  '2025-11-25',
  '2025-06-18',
  '2025-03-26',
  '2024-11-05',
];

export interface EraEvidence {
  /** The JSON-RPC method, for requests and notifications. */
  readonly method: string | undefined;
  /** Mcp-Session-Id (or the legacy transport's sessionId), when the request names a session. */
  readonly sessionId: string | undefined;
  /** The MCP-Protocol-Version header, when sent. */
  readonly headerVersion?: string | undefined;
  /** `params._meta` carries `io.modelcontextprotocol/protocolVersion` (the 2026-07-28 envelope). */
  readonly envelope?: boolean;
}

export function classifyEra(evidence: EraEvidence): Era {
  if (evidence.envelope === true) return 'modern';
  if (evidence.sessionId !== undefined || evidence.method === 'initialize') return 'legacy-session';
  const header = evidence.headerVersion;
  if (header !== undefined && !isSupportedProtocolVersion(header)) return 'modern';
  return 'legacy-sessionless';
}
