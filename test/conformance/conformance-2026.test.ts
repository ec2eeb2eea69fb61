// The official conformance suite's 2026-07-28 requirements (@modelcontextprotocol/conformance 0.2.0-alpha.12,
// installed as `conformance-next`) against mcp-sidecar in both session modes, in front of the stdio fixture with the
// tools the 2026 scenarios call. The fixture is a 2025-era server: every input_required scenario is the bridge's
// MRTR translation of its elicitation, sampling and roots requests. All 37 scored scenarios must pass without a
// warning; the unscored ones that fail are exactly those the baseline explains (expected-failures-2026-07-28.yml).

import { readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';

import { type BridgeProcess, CONFORMANCE_SERVER, NODE, spawnBridge } from '../helpers/bridge-process.ts';
import { CONFORMANCE_NEXT_CLI, requiredServerScenarios, runConformance } from './run-conformance.ts';

const BASELINE = fileURLToPath(new URL('./expected-failures-2026-07-28.yml', import.meta.url));
const SCORED_SCENARIOS = 37;
const unscoredFailing = Object.keys(
  (parse(readFileSync(BASELINE, 'utf8')) as { 'unscored-failing': Record<string, string> })['unscored-failing'],
).sort();

describe.each(['shared', 'per-session'] as const)('conformance 0.2.0-alpha, 2026-07-28, --session-mode %s', (mode) => {
  let bridge: BridgeProcess | undefined;

  beforeAll(async () => {
    bridge = await spawnBridge(['--session-mode', mode, '--', NODE, CONFORMANCE_SERVER, '--modern-scenarios']);
  });
  afterAll(async () => {
    await bridge?.stop();
  });

  it(
    'passes every scored scenario; fails only the unscored ones the baseline explains',
    { timeout: 120_000 },
    async () => {
      const outputDir = await mkdtemp(join(tmpdir(), `conformance-2026-${mode}-`));
      const run = await runConformance({
        cli: CONFORMANCE_NEXT_CLI,
        requirements: '2026-07-28',
        url: bridge!.url,
        expectedFailures: BASELINE,
        outputDir,
        onOutput: () => {},
      });
      const details = (scenario: string) =>
        `${scenario}: ${JSON.stringify(run.scenarios.find((s) => s.scenario === scenario)?.checks.filter((c) => c.status !== 'SUCCESS'))}`;
      expect(
        [...run.failed].sort().map((scenario) => (unscoredFailing.includes(scenario) ? scenario : details(scenario))),
      ).toEqual(unscoredFailing);
      const scored = await requiredServerScenarios(CONFORMANCE_NEXT_CLI, '2026-07-28');
      expect(scored).toHaveLength(SCORED_SCENARIOS);
      expect(scored.filter((scenario) => !run.passed.includes(scenario))).toEqual([]);
      expect(run.exitCode).toBe(0);
    },
  );
});
