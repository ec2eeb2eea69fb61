// Servers that need a terminal: a Python server that answers with print() and never flushes
// (test/fixtures/python/buffered_server.py) answers through mcp-sidecar --pty, and through mcp-shim --pty over the
// Unix socket, and without a terminal is reported as buffering instead of leaving clients waiting; a server built
// on the `mcp` package's MCPServer runs unchanged on both terminals. This machine sets PYTHONUNBUFFERED=1, which
// would make Python flush anyway, so the bridge (and the shim) get it set to empty: unset, for Python.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterEach, beforeAll, describe, expect, it } from 'vitest';

import { loadPty } from '../src/upstream/kinds/pty.ts';
import { type BridgeProcess, spawnBridge, waitFor } from '../../test/helpers/bridge-process.ts';
import { openRawSession } from '../../test/helpers/mcp-http.ts';
import { pythonWithMcp, VENV_SETUP_TIMEOUT_MS } from '../../test/helpers/python.ts';
import { Closer, connectV1, textOf } from '../../test/helpers/sdk-clients.ts';
import { SHIM_BINARY } from '../../test/helpers/shim.ts';

const fixture = (name: string) => fileURLToPath(new URL(`../../test/fixtures/python/${name}`, import.meta.url));
const BUFFERED = ['python3', fixture('buffered_server.py')];
const UNBUFFERED_OFF = { PYTHONUNBUFFERED: '' };

const closer = new Closer();
afterEach(() => closer.closeAll());
const after = <T>(value: T, close: (value: T) => unknown): T => closer.add(value, close);

async function bridge(args: string[], waitReady = true): Promise<BridgeProcess> {
  const started = await spawnBridge(args, { env: UNBUFFERED_OFF, waitReady });
  return after(started, (b) => b.kill());
}

function shim(command: string[], pty: boolean): { socket: string; child: ChildProcess } {
  const socket = join(mkdtempSync(join(tmpdir(), 'pty-shim-')), 'stdio.sock');
  const args = ['--listen', socket, ...(pty ? ['--pty'] : []), '--', ...command];
  const child = spawn(SHIM_BINARY, args, { stdio: 'ignore', env: { ...process.env, ...UNBUFFERED_OFF } });
  after(child, async (c) => {
    if (c.exitCode !== null || c.signalCode !== null) return;
    const exited = once(c, 'exit');
    c.kill('SIGTERM');
    await exited;
  });
  return { socket, child };
}

async function echoThrough(url: string, text: string): Promise<string> {
  const { client } = after(await connectV1(url, 'pty-test'), ({ client: c }) => c.close());
  return textOf(await client.callTool({ name: 'echo', arguments: { text } }));
}

const readyReason = async (adminUrl: string) =>
  ((await (await fetch(`${adminUrl}/readyz`)).json()) as { reason?: string }).reason ?? '';

describe('a Python server that buffers print() output', () => {
  it('answers at once through --pty, lines of 256 KB included, with its stderr kept out of the stream', async () => {
    const running = await bridge(['--pty', '--', ...BUFFERED]);
    const asked = performance.now();
    expect(await echoThrough(running.url, 'through a terminal')).toBe('through a terminal');
    expect(performance.now() - asked).toBeLessThan(2_000);
    const long = 'ü'.repeat(128 * 1024);
    expect(await echoThrough(running.url, long)).toBe(long);
    expect(running.output()).toMatch(/"stream":"stderr","msg":"buffered_server: pid \d+, stdout is a tty: True"/);
  });

  it('without a terminal, is reported as buffering with the fixes, and clients are told at once', async () => {
    const running = await bridge(['--', ...BUFFERED], false);
    const reason = await waitFor(
      async () =>
        (await readyReason(running.adminUrl)).includes('buffers its output')
          ? readyReason(running.adminUrl)
          : undefined,
      8_000,
      () => running.output(),
    );
    for (const fix of ['--pty', 'PYTHONUNBUFFERED=1', 'flush=True']) expect(reason).toContain(fix);
    const asked = performance.now();
    const response = await fetch(running.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } },
      }),
    });
    expect(performance.now() - asked).toBeLessThan(1_000);
    expect(response.status).toBe(503);
    expect(((await response.json()) as { error: { message: string } }).error.message).toContain('buffers its output');
    expect(running.output()).toMatch(/"level":"warn",.*written nothing on its stdout/);
  });

  it('answers through mcp-shim --pty over the Unix socket, and is reported as buffering without --pty', async () => {
    const withPty = shim(BUFFERED, true);
    const through = await bridge(['--upstream', `unix:${withPty.socket}`]);
    expect(await echoThrough(through.url, 'via the shim')).toBe('via the shim');
    const withoutPty = shim(BUFFERED, false);
    const stuck = await bridge(['--upstream', `unix:${withoutPty.socket}`], false);
    await waitFor(
      async () => ((await readyReason(stuck.adminUrl)).includes('buffers its output') ? true : undefined),
      8_000,
      () => stuck.output(),
    );
  });
});

describe('a server built on the mcp package’s MCPServer', () => {
  let python: string;
  beforeAll(async () => {
    python = await pythonWithMcp();
  }, VENV_SETUP_TIMEOUT_MS);

  it('runs unchanged on the bridge’s terminal and on the shim’s', async () => {
    const server = [python, fixture('mcpserver_echo.py')];
    const direct = await bridge(['--pty', '--', ...server]);
    const { client } = after(await connectV1(direct.url, 'mcpserver'), ({ client: c }) => c.close());
    expect(textOf(await client.callTool({ name: 'terminal', arguments: {} }))).toBe('stdout is a terminal');
    expect(await echoThrough(direct.url, 'MCPServer on a pty')).toBe('MCPServer on a pty');
    const viaShim = shim(server, true);
    const shimmed = await bridge(['--upstream', `unix:${viaShim.socket}`]);
    const session = await openRawSession(shimmed.url);
    const answer = await session.call('tools/call', { name: 'terminal', arguments: {} });
    expect(JSON.stringify(answer.result)).toContain('stdout is a terminal');
  });
});

describe('--pty without node-pty', () => {
  it('says in one sentence why and how to fix it', () => {
    const result = loadPty('@lydell/node-pty-that-does-not-exist');
    expect(result).toEqual({
      problem: expect.stringMatching(
        /^--pty needs the optional package @lydell\/node-pty-that-does-not-exist, which could not be loaded \(.+\); install it with "npm install/,
      ) as string,
    });
    expect('problem' in result && result.problem).not.toContain('\n');
  });
});
