// What a new user sees first, and how fast: an old Node, a port already taken, a command that does not exist, and
// the demo server asking for roots before any client exists. (A server that buffers its output: pty-upstream.test.ts.)
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { defaultBridgeConfig } from '@mcp-sidecar/contract';
import { afterEach, describe, expect, it } from 'vitest';

import { startBridge } from '../src/bridge.ts';
import { createLogger } from '../src/log.ts';
import { BRIDGE_MAIN, NODE, REPO_ROOT, spawnBridge, waitFor } from '../../test/helpers/bridge-process.ts';
import { initializeRequest, MCP_HEADERS } from '../../test/helpers/mcp-http.ts';
import { Closer, EVERYTHING } from '../../test/helpers/sdk-clients.ts';

const closer = new Closer();
afterEach(() => closer.closeAll());

/** The Debian system Node of these machines (v20); the launchers must turn it away in one line. */
const OLD_NODE = '/usr/bin/node';
const oldNodeVersion = spawnSync(OLD_NODE, ['--version'], { encoding: 'utf8' }).stdout?.trim() ?? '';
const hasOldNode = /^v(1\d|2[0-3])\./.test(oldNodeVersion);

describe.runIf(hasOldNode)(`the launchers on ${oldNodeVersion || 'an old Node'} (${OLD_NODE})`, () => {
  const launchers = {
    'mcp-sidecar': fileURLToPath(new URL('../bin/mcp-sidecar.js', import.meta.url)),
    'mcp-injector': fileURLToPath(new URL('../../webhook/bin/mcp-injector.js', import.meta.url)),
  };

  it.each(Object.entries(launchers))('%s says which Node it needs, in one line, exit 2', (name, launcher) => {
    // Also as installed: a package that ships bin/ and dist/ only.
    const installed = mkdtempSync(join(tmpdir(), `${name}-installed-`));
    mkdirSync(join(installed, 'bin'));
    copyFileSync(launcher, join(installed, 'bin', `${name}.js`));
    for (const file of [launcher, join(installed, 'bin', `${name}.js`)]) {
      const started = performance.now();
      const result = spawnSync(OLD_NODE, [file, '--help'], { encoding: 'utf8' });
      expect(performance.now() - started).toBeLessThan(2_000);
      expect(result.status).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toBe(
        `${name}: needs Node ≥ 24, found ${oldNodeVersion}; run it through npx or npm start, or install Node 24\n`,
      );
    }
  });
});

describe('a port that is already in use', () => {
  it('ends the bridge at once with one line naming the option to change, exit 2', async () => {
    const taken = createServer().listen(0, '127.0.0.1');
    closer.add(taken, (server) => server.close());
    await new Promise((resolve) => taken.once('listening', resolve));
    const { port } = taken.address() as AddressInfo;
    const started = performance.now();
    const result = spawnSync(
      NODE,
      ['--conditions=mcp-sidecar-source', BRIDGE_MAIN, '--port', String(port), '--admin-port', '0', '--', 'true'],
      { cwd: REPO_ROOT, encoding: 'utf8', timeout: 20_000 },
    );
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(result.status).toBe(2);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toEqual([
      `mcp-sidecar: port ${port} on 127.0.0.1 (the MCP endpoint) is already in use; stop what uses it, or choose another port with --port`,
    ]);
    expect(result.stdout).not.toMatch(/"level":"fatal"|\n\s+at /);
  });
});

describe('a command that does not exist', () => {
  it('is refused at once with the reason, and never logged as started', async () => {
    let output = '';
    const log = createLogger('debug', { write: (line: string) => void (output += line) });
    const config = { ...defaultBridgeConfig(), port: 0, adminPort: 0 };
    const bridge = closer.add(await startBridge(config, ['no-such-mcp-server-4711'], log), (b) => b.close());
    await waitFor(
      () => (output.includes('command not found') ? true : undefined),
      5_000,
      () => output,
    );
    const asked = performance.now();
    const response = await fetch(bridge.url, {
      method: 'POST',
      headers: MCP_HEADERS,
      body: JSON.stringify(initializeRequest()),
    });
    expect(performance.now() - asked).toBeLessThan(1_000);
    expect(response.status).toBe(503);
    const { error } = (await response.json()) as { error: { message: string } };
    expect(error.message).toBe(
      'Service Unavailable: the MCP server is not ready (the MCP server could not be started: cannot run ' +
        '"no-such-mcp-server-4711": command not found (is it installed, and on PATH?)); retry shortly',
    );
    expect(output).not.toContain('upstream started');
    expect(output).not.toContain('pid ?');
  });
});

describe('npm start with the demo server', () => {
  it('answers its start-up roots/list without a warning or an error in the bridge’s log', async () => {
    const bridge = await spawnBridge(['--', ...EVERYTHING]);
    closer.add(bridge, (b) => b.kill());
    const line = await waitFor(
      () =>
        bridge
          .output()
          .split('\n')
          .find((entry) => entry.includes('before any client connected')),
      10_000,
      () => bridge.output(),
    );
    expect(JSON.parse(line)).toMatchObject({ level: 'info', reason: 'unattributable' });
    const faults = bridge
      .output()
      .split('\n')
      .filter((entry) => /"level":"(warn|error|fatal)"/.test(entry));
    expect(faults).toEqual([]);
  });
});
