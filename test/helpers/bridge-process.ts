// Starts mcp-sidecar for tests: as a real child process (for signals, orphans and exit codes), or in-process
// (faster, for protocol behaviour). Both bind loopback on free ports and report the URLs they got.

import { type ChildProcess, spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

import { type BridgeConfig, defaultBridgeConfig } from '@mcp-sidecar/contract';

import { type Bridge, startBridge } from '../../sidecar/src/bridge.ts';
import { createLogger } from '../../sidecar/src/log.ts';
import { descendantsOf, exists, killQuietly } from './processes.ts';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BRIDGE_MAIN = fileURLToPath(new URL('../../sidecar/src/main.ts', import.meta.url));
export const CONFORMANCE_SERVER = fileURLToPath(new URL('../fixtures/conformance-server.ts', import.meta.url));
export const NODE = process.execPath;
/** The V8 flags the bridge runs with everywhere (sidecar/bin/mcp-sidecar.js's shebang, npm start), so tests measure it as shipped. */
export const BRIDGE_NODE_FLAGS = ['--max-semi-space-size=16'];

/** `node <fixture>` for a TypeScript fixture file under test/fixtures. */
export const fixtureCommand = (file: string, ...args: string[]): string[] => [
  NODE,
  fileURLToPath(new URL(`../fixtures/${file}`, import.meta.url)),
  ...args,
];

export interface BridgeProcess {
  readonly url: string;
  readonly adminUrl: string;
  readonly child: ChildProcess;
  /** Everything the bridge printed so far (its pino log lines). */
  output(): string;
  /** Sends a signal and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Test cleanup: SIGKILLs the bridge and every process below it (a killed bridge cannot close its servers). */
  kill(): Promise<void>;
}

/** Spawns `mcp-sidecar <args>` on free ports and resolves once it listens (and, by default, is ready). */
export async function spawnBridge(
  args: readonly string[],
  options: { waitReady?: boolean; env?: Record<string, string> } = {},
): Promise<BridgeProcess> {
  const child = spawn(
    NODE,
    [...BRIDGE_NODE_FLAGS, '--conditions=mcp-sidecar-source', BRIDGE_MAIN, '--port', '0', '--admin-port', '0', ...args],
    {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...options.env },
    },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const urls = await waitFor(
    () => startupUrls(output),
    20_000,
    () => `bridge did not start:\n${output}`,
  );
  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    return exited;
  };
  const kill = async () => {
    const tree = child.pid === undefined ? [] : descendantsOf(child.pid);
    await stop('SIGKILL');
    for (const pid of tree) killQuietly(pid);
  };
  const bridge: BridgeProcess = { ...urls, child, output: () => output, stop, kill };
  if (options.waitReady !== false) await waitUntilReady(urls.adminUrl);
  return bridge;
}

function startupUrls(output: string): { url: string; adminUrl: string } | undefined {
  for (const line of output.split('\n')) {
    if (!line.includes('"admin"')) continue;
    const entry = JSON.parse(line) as { url?: string; admin?: string };
    if (entry.url && entry.admin) return { url: entry.url, adminUrl: entry.admin };
  }
  return undefined;
}

/** Starts the bridge inside the test process, silent, on free loopback ports. */
export async function startInProcess(overrides: Partial<BridgeConfig>, command: readonly string[]): Promise<Bridge> {
  const config: BridgeConfig = { ...defaultBridgeConfig(), port: 0, adminPort: 0, ...overrides };
  const bridge = await startBridge(config, command, createLogger('silent'));
  await waitUntilReady(bridge.adminUrl);
  return bridge;
}

export async function waitUntilReady(adminUrl: string, timeoutMs = 30_000): Promise<void> {
  await waitFor(
    async () =>
      (await fetch(`${adminUrl}/readyz`).then(
        (r) => r.ok,
        () => false,
      )) || undefined,
    timeoutMs,
    () => `${adminUrl}/readyz did not turn 200 within ${timeoutMs} ms`,
  );
}

/** Polls `probe` every 25 ms until it returns something other than undefined. */
export async function waitFor<T>(
  probe: () => T | undefined | Promise<T | undefined>,
  timeoutMs: number,
  describe: () => string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(describe());
    await sleep(25);
  }
}

/** Waits until the process has left the process table (exited and reaped). */
export const waitForExit = (pid: number, ms = 5_000): Promise<true> =>
  waitFor(
    () => (exists(pid) ? undefined : true),
    ms,
    () => `process ${pid} still runs after ${ms} ms`,
  );
