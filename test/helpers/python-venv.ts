// A Python virtual environment with the `mcp` package (the official Python SDK), made once and kept in the temp
// directory across runs, for tests of servers built on its MCPServer. Making it needs python3 with venv and a
// package index pip can reach; when it cannot be made the error says why (the tests that need it fail, they are
// never skipped silently).

import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** How long creating the environment may take (pip resolves and installs about 25 packages). */
export const VENV_SETUP_TIMEOUT_MS = 240_000;

const works = (python: string): boolean =>
  existsSync(python) && spawnSync(python, ['-c', 'import mcp.server.mcpserver'], { stdio: 'ignore' }).status === 0;

/** The venv's python3, with `mcp` importable; creates the venv on first use. */
export function mcpPython(): string {
  const version = execFileSync('python3', ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])'])
    .toString()
    .trim();
  const dir = join(tmpdir(), `mcp-sidecar-test-venv-py${version}-mcp`);
  const python = join(dir, 'bin', 'python3');
  if (works(python)) return python;
  const building = `${dir}.${process.pid}`;
  rmSync(building, { recursive: true, force: true });
  run('python3', ['-m', 'venv', building], 'python3 -m venv');
  // --retries 0: an index that cannot be reached is skipped at once instead of five times with back-off.
  run(join(building, 'bin', 'pip'), ['install', '--quiet', '--retries', '0', 'mcp'], 'pip install mcp');
  rmSync(dir, { recursive: true, force: true });
  renameSync(building, dir);
  if (!works(python)) throw new Error(`made ${dir}, but "import mcp.server.mcpserver" still fails there`);
  return python;
}

function run(file: string, args: string[], what: string): void {
  const result = spawnSync(file, args, { encoding: 'utf8', timeout: VENV_SETUP_TIMEOUT_MS });
  if (result.status === 0) return;
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim().split('\n').slice(-15).join('\n');
  throw new Error(
    `cannot make the Python environment these tests need: ${what} failed (${result.error?.message ?? `exit ${result.status}`}):\n${output}`,
  );
}
