// Runs once before the test files: builds mcp-shim if it is missing or stale, so that test files running
// in parallel never race to build it.

import { ensureShim } from './helpers/shim.ts';

export default function setup(): void {
  ensureShim();
}
