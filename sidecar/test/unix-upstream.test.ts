// --upstream unix:/path through the real mcp-shim: per-session mode opens one connection (one server process)
// per session, shared mode keeps one; a missing or refused socket keeps /readyz at 503 with the reason, and the
// bridge retries until the shim is there; a server that dies is replaced (shared) or ends its session (per-session).

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import {
  type BridgeProcess,
  fixtureCommand,
  spawnBridge,
  waitFor,
  waitUntilReady,
} from '../../test/helpers/bridge-process.ts';
import { openRawSession } from '../../test/helpers/mcp-http.ts';
import { descendantsOf } from '../../test/helpers/processes.ts';
import { SHIM_BINARY } from '../../test/helpers/shim.ts';

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

function startShim(socket: string): ChildProcess {
  const shim = spawn(SHIM_BINARY, ['--listen', socket, '--grace', '2', '--', ...fixtureCommand('routing-server.ts')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  cleanup.push(
    () =>
      new Promise((resolve) => (shim.exitCode === null ? shim.once('exit', resolve).kill('SIGTERM') : resolve(null))),
  );
  return shim;
}

async function startBridge(socket: string, mode: string): Promise<BridgeProcess> {
  const bridge = await spawnBridge(['--session-mode', mode, '--upstream', `unix:${socket}`], { waitReady: false });
  cleanup.push(() => bridge.stop('SIGTERM'));
  return bridge;
}

const socketPath = () => join(mkdtempSync(join(tmpdir(), 'mcp-run-')), 'stdio.sock');
const echo = (message: string) => ({ name: 'echo', arguments: { message } });
const servers = (shim: ChildProcess) => descendantsOf(shim.pid!).length;

describe('unix upstream via mcp-shim', () => {
  it('reports the missing socket on /readyz, then becomes ready once the shim listens', async () => {
    const socket = socketPath();
    const bridge = await startBridge(socket, 'shared');
    const reason = await waitFor(
      async () => {
        const body = (await (await fetch(`${bridge.adminUrl}/readyz`)).json()) as { reason?: string };
        return body.reason?.includes('no socket there yet') ? body.reason : undefined;
      },
      5_000,
      () => 'readyz never named the missing socket',
    );
    expect(reason).toContain(`unix:${socket}`);
    startShim(socket);
    await waitUntilReady(bridge.adminUrl, 15_000);
    const session = await openRawSession(bridge.url);
    expect((await session.call('tools/call', echo('through the shim'))).result).toMatchObject({
      content: [{ text: 'through the shim' }],
    });
  });

  it('stays live while it waits for the socket, and is ready within about a second of the shim starting', async () => {
    const socket = socketPath();
    const bridge = await startBridge(socket, 'shared');
    await new Promise((resolve) => setTimeout(resolve, 3_000)); // many refused attempts: none is a crash
    expect((await fetch(`${bridge.adminUrl}/livez`)).status).toBe(200);
    const shimStarted = performance.now();
    startShim(socket);
    await waitUntilReady(bridge.adminUrl, 15_000);
    expect(performance.now() - shimStarted).toBeLessThan(2_500);
    expect((await fetch(`${bridge.adminUrl}/livez`)).status).toBe(200);
  });

  it('shared: many sessions, one connection and one server process', async () => {
    const socket = socketPath();
    const shim = startShim(socket);
    const bridge = await startBridge(socket, 'shared');
    await waitUntilReady(bridge.adminUrl, 15_000);
    const sessions = await Promise.all([1, 2, 3].map(() => openRawSession(bridge.url)));
    await Promise.all(sessions.map((s, i) => s.call('tools/call', echo(`s${i}`))));
    expect(servers(shim)).toBe(1);
  });

  it('per-session: one server process per session, and DELETE ends it', async () => {
    const socket = socketPath();
    const shim = startShim(socket);
    const bridge = await startBridge(socket, 'per-session');
    await waitUntilReady(bridge.adminUrl, 15_000);
    const [a, b] = await Promise.all([openRawSession(bridge.url), openRawSession(bridge.url)]);
    expect((await a.call('tools/call', echo('a'))).result).toMatchObject({ content: [{ text: 'a' }] });
    expect((await b.call('tools/call', echo('b'))).result).toMatchObject({ content: [{ text: 'b' }] });
    await waitFor(
      () => (servers(shim) === 3 ? true : undefined),
      5_000,
      () => `servers: ${servers(shim)}`,
    ); // 2 + the pool
    await fetch(bridge.url, { method: 'DELETE', headers: { 'mcp-session-id': a.id } });
    await waitFor(
      () => (servers(shim) === 2 ? true : undefined),
      5_000,
      () => `servers: ${servers(shim)}`,
    );
  });

  it('shared: a server that dies is replaced through a new connection, and sessions keep working', async () => {
    const socket = socketPath();
    const shim = startShim(socket);
    const bridge = await startBridge(socket, 'shared');
    await waitUntilReady(bridge.adminUrl, 15_000);
    const session = await openRawSession(bridge.url);
    const [server] = descendantsOf(shim.pid!);
    process.kill(server!, 'SIGKILL');
    const back = await waitFor(
      async () => {
        const answer = await session.call('tools/call', echo('again'));
        return answer.result ? answer : undefined;
      },
      8_000,
      () => 'no new server behind the shim',
    );
    expect(back.result).toMatchObject({ content: [{ text: 'again' }] });
    expect(descendantsOf(shim.pid!)).not.toContain(server);
  });
});
