// The official MCP conformance suite (@modelcontextprotocol/conformance 0.1.16, the 30 active server
// scenarios) against mcp-sidecar in front of our stdio fixture server, in both session modes. The baseline
// (expected-failures.yml) is empty: every scenario must pass, and a stale baseline entry would fail the run.

import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { type BridgeProcess, CONFORMANCE_SERVER, NODE, spawnBridge } from '../helpers/bridge-process.ts';
import { runConformance } from './run-conformance.ts';

const BASELINE = fileURLToPath(new URL('./expected-failures.yml', import.meta.url));
const ACTIVE_SCENARIOS = 30;

describe.each(['per-session', 'shared'] as const)('conformance 0.1.16, --session-mode %s', (mode) => {
  let bridge: BridgeProcess;

  beforeAll(async () => {
    bridge = await spawnBridge(['--session-mode', mode, '--', NODE, CONFORMANCE_SERVER]);
  });
  afterAll(async () => {
    await bridge?.stop();
  });

  it('passes every active server scenario', { timeout: 180_000 }, async () => {
    // The suite's dns-rebinding check needs a localhost URL, which the bridge's 127.0.0.1 bind provides.
    const outputDir = await mkdtemp(join(tmpdir(), `conformance-${mode}-`));
    const run = await runConformance({ url: bridge.url, expectedFailures: BASELINE, outputDir, onOutput: () => {} });
    const failed = run.failed.map(
      (name) => `${name}: ${JSON.stringify(run.scenarios.find((s) => s.scenario === name)?.checks)}`,
    );
    expect(failed).toEqual([]);
    expect(run.passed).toHaveLength(ACTIVE_SCENARIOS);
    expect(run.exitCode).toBe(0);
  });
});
