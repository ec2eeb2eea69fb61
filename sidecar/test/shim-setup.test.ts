// mcp-shim set-up: the socket it creates (mode, owner, stale sockets), --install, and the command line (--version,
// --help, bad usage). Set-up: shim-support.ts.
import { type SpawnOptions, execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';

import { dir, isRoot, openClient, registerShimTestHooks, shimBin, startShim, whoami } from './shim-support.ts';

registerShimTestHooks();

describe('mcp-shim socket', () => {
  test('the socket is owner-only (0600) by default', async () => {
    const shim = await startShim([]);
    expect(statSync(shim.sock).isSocket()).toBe(true);
    expect(statSync(shim.sock).mode & 0o7777).toBe(0o600);
  });

  test('--socket-mode 0660 sets the mode regardless of the umask', async () => {
    const shim = await startShim(['--socket-mode', '0660']);
    expect(statSync(shim.sock).mode & 0o7777).toBe(0o660);
  });

  test('a stale socket is replaced but a regular file at the path is not', async () => {
    const stale = await startShim([]);
    stale.proc.kill('SIGKILL');
    await stale.exited;
    expect(statSync(stale.sock).isSocket()).toBe(true);
    const fresh = await startShim([]); // bind() would fail with EADDRINUSE had it not been removed
    await whoami(await openClient(fresh.sock));

    const file = join(dir, 'not-a-socket');
    writeFileSync(file, 'keep me');
    const result = spawnSync(shimBin, ['--listen', file, '--', 'true'], { encoding: 'utf8' });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`${file} exists and is not a socket`);
    expect(readFileSync(file, 'utf8')).toBe('keep me');
  });

  test.skipIf(!isRoot)('--socket-owner chowns the socket when the shim runs as root', async () => {
    const shim = await startShim(['--socket-owner', '4321:4322']);
    const { uid, gid } = statSync(shim.sock);
    expect([uid, gid]).toEqual([4321, 4322]);
  });

  test('--socket-owner without root warns, names the problem and keeps serving', async () => {
    // As root, drop to nobody to exercise the non-root path; otherwise we already are non-root.
    const options: SpawnOptions = isRoot ? { uid: 65534, gid: 65534 } : {};
    chmodSync(dir, 0o777);
    // nobody may not reach the checkout (a clone under `mktemp -d` is 0700): run a copy from the test's own
    // directory, and a server command outside the checkout (no server is started: nothing connects).
    const binary = join(dir, 'mcp-shim');
    copyFileSync(shimBin, binary);
    chmodSync(binary, 0o755);
    const owner = isRoot ? 4321 : process.getuid!() + 1;
    const shim = await startShim(['--socket-owner', String(owner)], {
      spawn: options,
      binary,
      command: ['/bin/true'],
    });
    const me = isRoot ? 65534 : process.getuid!();
    expect(shim.log()).toContain(`warning: --socket-owner ${owner} ignored: not running as root`);
    expect(statSync(shim.sock).uid).toBe(me);
    expect(shim.proc.exitCode).toBeNull();
  });
});

describe('mcp-shim --install and usage', () => {
  test('--install copies a runnable binary (0755) and creates the sticky run dir (1777) despite the umask', () => {
    const dest = join(dir, 'mcp', 'bin', 'mcp-shim');
    const result = spawnSync('/bin/sh', ['-c', 'umask 077; exec "$0" "$@"', shimBin, '--install', dest], {
      encoding: 'utf8',
    });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout.trim().split('\n')).toHaveLength(1);
    expect(result.stdout).toContain(`installed ${dest}`);
    expect(result.stdout).toContain(join(dir, 'mcp', 'run'));
    expect(statSync(dest).mode & 0o7777).toBe(0o755);
    expect(readFileSync(dest).equals(readFileSync(shimBin))).toBe(true);
    expect(execFileSync(dest, ['--version'], { encoding: 'utf8' })).toMatch(/^mcp-shim \d+\.\d+\.\d+\n$/);
    const run = statSync(join(dir, 'mcp', 'run'));
    expect(run.isDirectory()).toBe(true);
    expect(run.mode & 0o7777).toBe(0o1777);
    expect(readdirSync(join(dir, 'mcp', 'bin'))).toEqual(['mcp-shim']);
    // Installing again over the existing binary (a restarted init container) also works.
    expect(spawnSync(shimBin, ['--install', dest]).status).toBe(0);
  });

  test('--version and --help exit 0 on stdout', () => {
    expect(execFileSync(shimBin, ['--version'], { encoding: 'utf8' })).toMatch(/^mcp-shim \d+\.\d+\.\d+\n$/);
    expect(execFileSync(shimBin, ['--help'], { encoding: 'utf8' })).toContain('--listen <socket-path>');
  });

  const sock = () => join(dir, 'run', 'stdio.sock');
  test.each([
    { name: 'no arguments', args: () => [], problem: 'missing --listen <socket-path>' },
    { name: 'no command', args: () => ['--listen', sock(), '--'], problem: 'missing server command after "--"' },
    {
      name: 'a bad octal mode',
      args: () => ['--listen', sock(), '--socket-mode', '0689', '--', 'true'],
      problem: '--socket-mode "0689" is not valid; use an octal mode',
    },
    { name: 'an unknown flag', args: () => ['--bogus', '--', 'true'], problem: 'unknown option "--bogus"' },
    {
      name: 'a command without --',
      args: () => ['--listen', sock(), 'node', 'server.js'],
      problem: 'unexpected argument "node"; put "--" before the server command',
    },
    { name: 'a bad --grace', args: () => ['--listen', sock(), '--grace', '-1', '--', 'true'], problem: '--grace "-1"' },
  ])('bad usage ($name) exits 2 with one line naming the problem', ({ args, problem }) => {
    const result = spawnSync(shimBin, args(), { encoding: 'utf8' });
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.split('\n')).toEqual([expect.stringContaining(problem), '']);
    expect(result.stderr).toMatch(/^mcp-shim: /);
    expect(existsSync(sock())).toBe(false);
  });
});
