// How the upstream server is run or reached, besides --upstream and the command after --.

import { toggle } from '@mcp-sidecar/cli';

export const UPSTREAM_OPTIONS = {
  pty: toggle(
    'Run the command after -- on a pseudo-terminal (raw, no echo), for servers that block-buffer stdout on a pipe.',
  ),
} as const;
