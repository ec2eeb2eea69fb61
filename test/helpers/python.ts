// The official Python MCP SDK (`pip install mcp`) for tests: a virtualenv made once per SDK version and kept in the
// user's cache (${XDG_CACHE_HOME:-~/.cache}/mcp-sidecar/, or MCP_SIDECAR_PYTHON_VENV), outside node_modules so that
// `npm ci` does not throw it away. When it cannot be made, the tests that need it fail with the reason (they are
// never skipped): `python3 -m venv` and a pip that reaches an index are part of this repo's test requirements.

import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The SDK version the tests pin (2.3 speaks 2026-07-28 as client and, over stdio, as server). */
export const PYTHON_MCP_VERSION = '2.3.0';
const INSTALL_TIMEOUT_MS = 10 * 60_000;
/** How long a test's setup may wait for the venv (made once, by whichever test file asks first). */
export const VENV_SETUP_TIMEOUT_MS = INSTALL_TIMEOUT_MS;

const venvDir = (): string =>
  process.env['MCP_SIDECAR_PYTHON_VENV'] ??
  join(process.env['XDG_CACHE_HOME'] ?? join(homedir(), '.cache'), 'mcp-sidecar', `venv-mcp-${PYTHON_MCP_VERSION}`);

let ready: Promise<string> | undefined;

/** The venv's python, with `mcp` installed; made on first use (a minute or more), then reused. */
export function pythonWithMcp(): Promise<string> {
  ready ??= makeVenv();
  return ready;
}

async function makeVenv(): Promise<string> {
  const dir = venvDir();
  const python = join(dir, 'bin', 'python');
  const done = join(dir, '.mcp-installed');
  if (existsSync(done)) return python;
  const lock = `${dir}.lock`;
  await mkdir(join(dir, '..'), { recursive: true });
  // Test files run in parallel workers: one makes the venv, the others wait for its marker.
  for (;;) {
    try {
      await mkdir(lock);
      break;
    } catch {
      if (existsSync(done)) return python;
      await sleep(500);
    }
  }
  try {
    if (existsSync(done)) return python;
    await rm(dir, { recursive: true, force: true });
    await step(['python3', '-m', 'venv', dir], 'python3 -m venv failed (install python3 and its venv module)');
    const pip = [join(dir, 'bin', 'pip'), 'install', '--quiet', '--disable-pip-version-check', '--retries', '1'];
    await step(
      [...pip, `mcp==${PYTHON_MCP_VERSION}`],
      `pip install mcp==${PYTHON_MCP_VERSION} failed (no package index reachable?)`,
    );
    await writeFile(done, `${new Date().toISOString()}\n`);
    return python;
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}

async function step(command: string[], failure: string): Promise<void> {
  const [file = '', ...args] = command;
  try {
    await run(file, args, { timeout: INSTALL_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 });
  } catch (error) {
    const output = error as { stderr?: string; message: string };
    throw new Error(`${failure}: ${(output.stderr ?? output.message).slice(-2000)}`, { cause: error });
  }
}
