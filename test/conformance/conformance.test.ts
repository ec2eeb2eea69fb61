// The official MCP conformance suite (@modelcontextprotocol/conformance 0.1.16, the 30 active server
// scenarios) against mcp-sidecar in front of our fixture server: spawned directly in both session modes,
// through mcp-shim's Unix socket as in an injected pod, and served over Streamable HTTP by the v1 SDK
// (--upstream http://…) in both session modes. The baseline (expected-failures.yml) is empty:
// every scenario must pass, and a stale baseline entry would fail the run.

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { type BridgeProcess, CONFORMANCE_SERVER, NODE, spawnBridge } from '../helpers/bridge-process.ts';
import { startHttpUpstream } from '../helpers/http-upstream.ts';
import { SHIM_BINARY } from '../helpers/shim.ts';
import { runConformance } from './run-conformance.ts';

const BASELINE = fileURLToPath(new URL('./expected-failures.yml', import.meta.url));
const ACTIVE_SCENARIOS = 30;

interface Setup {
  readonly name: string;
  readonly start: () => Promise<Running>;
}

interface Running {
  readonly bridge: BridgeProcess;
  /** The server's own process when the bridge does not spawn it (mcp-shim, an HTTP server). */
  readonly server?: ChildProcess;
}

/** The bridge in front of the conformance fixture served over Streamable HTTP by the v1 SDK. */
async function overHttp(mode: string): Promise<Running> {
  const upstream = await startHttpUpstream();
  return { bridge: await spawnBridge(['--session-mode', mode, '--upstream', upstream.url]), server: upstream.child };
}

const setups: Setup[] = [
  {
    name: 'per-session, spawned server',
    start: async () => ({
      bridge: await spawnBridge(['--session-mode', 'per-session', '--', NODE, CONFORMANCE_SERVER]),
    }),
  },
  {
    name: 'shared, spawned server',
    start: async () => ({ bridge: await spawnBridge(['--session-mode', 'shared', '--', NODE, CONFORMANCE_SERVER]) }),
  },
  {
    name: 'shared, server behind mcp-shim',
    start: async () => {
      const socket = join(await mkdtemp(join(tmpdir(), 'conformance-shim-')), 'stdio.sock');
      const shim = spawn(SHIM_BINARY, ['--listen', socket, '--', NODE, CONFORMANCE_SERVER], { stdio: 'ignore' });
      return { bridge: await spawnBridge(['--session-mode', 'shared', '--upstream', `unix:${socket}`]), server: shim };
    },
  },
  { name: 'shared, HTTP upstream', start: () => overHttp('shared') },
  { name: 'per-session, HTTP upstream', start: () => overHttp('per-session') },
];

describe.each(setups)('conformance 0.1.16, $name', ({ name, start }) => {
  let running: Running | undefined;

  beforeAll(async () => {
    running = await start();
  });
  afterAll(async () => {
    await running?.bridge.stop();
    running?.server?.kill('SIGTERM');
  });

  it('passes every active server scenario', { timeout: 180_000 }, async () => {
    // The suite's dns-rebinding check needs a localhost URL, which the bridge's 127.0.0.1 bind provides.
    const outputDir = await mkdtemp(join(tmpdir(), `conformance-${name.replace(/\W+/g, '-')}-`));
    const run = await runConformance({
      url: running!.bridge.url,
      expectedFailures: BASELINE,
      outputDir,
      onOutput: () => {},
    });
    const failed = run.failed.map(
      (scenario) => `${scenario}: ${JSON.stringify(run.scenarios.find((s) => s.scenario === scenario)?.checks)}`,
    );
    expect(failed).toEqual([]);
    expect(run.passed).toHaveLength(ACTIVE_SCENARIOS);
    expect(run.exitCode).toBe(0);
  });
});
