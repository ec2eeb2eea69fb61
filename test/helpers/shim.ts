// The mcp-shim binary for tests, built with make if it is missing or older than any of its sources.

import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const SHIM_DIR = fileURLToPath(new URL('../../sidecar/shim/', import.meta.url));
export const SHIM_BINARY = `${SHIM_DIR}build/mcp-shim`;

// Every input of the Makefile's build rule: the C sources, the internal header and the Makefile itself.
const isShimSource = (name: string) => name.endsWith('.c') || name.endsWith('.h') || name === 'Makefile';

export function ensureShim(): string {
  const mtime = (path: string) => statSync(path, { throwIfNoEntry: false })?.mtimeMs ?? 0;
  const newestSource = Math.max(
    ...readdirSync(SHIM_DIR)
      .filter(isShimSource)
      .map((name) => mtime(`${SHIM_DIR}${name}`)),
  );
  if (mtime(SHIM_BINARY) < newestSource) {
    execFileSync('make', ['-C', SHIM_DIR], { stdio: ['ignore', 'pipe', 'pipe'] });
  }
  return SHIM_BINARY;
}
