// The protocol-version stage: on the Streamable HTTP endpoint, a POST or GET that names an MCP-Protocol-Version the
// bridge does not serve is refused. A missing header means the session's own (spec: assume 2025-03-26).

import { isSupportedProtocolVersion } from '@mcp-sidecar/protocol';

import { refuse } from '../../errors.ts';
import type { Stage } from '../pipeline.ts';

export const versionStage: Stage = {
  name: 'protocol-version',
  run: ({ endpoint, req }) => {
    if (endpoint !== 'mcp' || (req.method !== 'POST' && req.method !== 'GET')) return undefined;
    const header = req.headers['mcp-protocol-version'];
    if (header === undefined) return undefined;
    const version = Array.isArray(header) ? header[0] : header;
    return version !== undefined && isSupportedProtocolVersion(version) ? undefined : refuse.protocolVersion(version);
  },
};
