// Runs once around all the test files. Before: builds mcp-shim if it is missing or stale, so that test files running
// in parallel never race to build it. After: fails the run if any process a test started from this checkout (a
// fixture server, a bridge, the shim) is still running. "No orphan processes, ever" holds for the tests too.

import { descendantsOf, killQuietly, leftoverProcesses } from './helpers/processes.ts';
import { ensureShim } from './helpers/shim.ts';

const REPO_ROOT = new URL('..', import.meta.url).pathname.replace(/\/$/, '');

export default function setup(): () => Promise<void> {
  ensureShim();
  const before = new Set(leftoverProcesses(REPO_ROOT).map((p) => p.pid));
  return async () => {
    // Servers get a moment to see their stdin close after the last test's bridge is gone.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const left = leftoverProcesses(REPO_ROOT).filter((p) => !before.has(p.pid));
    if (left.length === 0) return;
    const helpers = left.flatMap(({ pid }) => descendantsOf(pid)); // e.g. a fixture's SIGTERM-ignoring grandchild
    for (const pid of [...left.map((p) => p.pid), ...helpers]) killQuietly(pid);
    const list = left.map((p) => `  ${p.pid}: ${p.command}`).join('\n');
    throw new Error(
      `${left.length} processes started by the tests outlived them (now killed, with ${helpers.length} descendants):\n${list}`,
    );
  };
}
