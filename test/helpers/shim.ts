// The mcp-shim binary for tests, built with make if it is missing or older than its source.

import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const SHIM_DIR = fileURLToPath(new URL('../../sidecar/shim/', import.meta.url));
export const SHIM_BINARY = `${SHIM_DIR}build/mcp-shim`;

export function ensureShim(): string {
  const mtime = (path: string) => statSync(path, { throwIfNoEntry: false })?.mtimeMs ?? 0;
  if (mtime(SHIM_BINARY) < mtime(`${SHIM_DIR}mcp-shim.c`)) {
    execFileSync('make', ['-C', SHIM_DIR], { stdio: ['ignore', 'pipe', 'pipe'] });
  }
  return SHIM_BINARY;
}
