// The protocol-version stage: on the Streamable HTTP endpoint, a request of a 2025 session (GET, or a POST naming its
// session) that names an MCP-Protocol-Version no session era knows is refused. A missing header means the session's
// own (spec: assume 2025-03-26). A POST without a session passes: its era is decided with its body (era/classify.ts),
// and a 2026-07-28 request's version is checked against its `_meta` (era/validate.ts).

import { isSupportedProtocolVersion } from '@mcp-sidecar/protocol';

import { type HttpRefusal, refuse } from '../../errors.ts';
import type { Stage } from '../pipeline.ts';

/** The MCP-Protocol-Version header as one value (Node gives a list only for headers it knows as lists). */
export function headerValue(header: string | string[] | undefined): string | undefined {
  return Array.isArray(header) ? header[0] : header;
}

/** The refusal for a 2025-era request whose MCP-Protocol-Version header names a version no session serves. */
export function legacyVersionRefusal(header: string | string[] | undefined): HttpRefusal | undefined {
  if (header === undefined) return undefined;
  const version = headerValue(header);
  return version !== undefined && isSupportedProtocolVersion(version) ? undefined : refuse.protocolVersion(version);
}

export const versionStage: Stage = {
  name: 'protocol-version',
  run: ({ endpoint, req }) => {
    if (endpoint !== 'mcp') return undefined;
    if (req.method === 'POST' && req.headers['mcp-session-id'] === undefined) return undefined;
    if (req.method !== 'POST' && req.method !== 'GET') return undefined;
    return legacyVersionRefusal(req.headers['mcp-protocol-version']);
  },
};
