// Upstream child processes: crashes, junk on stdout, servers that ignore SIGTERM or fork helpers, and servers
// started through npx. The rule under test: every failure reaches the client as an actionable JSON-RPC error,
// and nothing the bridge started outlives it or the session it belonged to.

import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import type { Bridge } from '../../sidecar/src/bridge.ts';
import {
  type BridgeProcess,
  fixtureCommand,
  spawnBridge,
  startInProcess,
  waitFor,
} from '../../test/helpers/bridge-process.ts';
import { openRawSession } from '../../test/helpers/mcp-http.ts';
import { descendantsOf, isAlive } from '../../test/helpers/processes.ts';

const running: (Bridge | BridgeProcess)[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((bridge) => ('kill' in bridge ? bridge.kill() : bridge.close())));
});
const track = <T extends Bridge | BridgeProcess>(bridge: T): T => {
  running.push(bridge);
  return bridge;
};

const echo = (message: string) => ({ name: 'echo', arguments: { message } });
/** pids written by the stubborn and forking fixtures: each server and its helper. */
const pidsIn = (dir: string): number[] =>
  readdirSync(dir).flatMap((file) => readFileSync(join(dir, file), 'utf8').split(' ').map(Number));
const allGone = (pids: number[]) => (pids.every((pid) => !isAlive(pid)) ? true : undefined);

describe('a server that crashes while handling a call', () => {
  it('per-session: the call fails with an error an agent can act on, then the session is gone (404)', async () => {
    const bridge = track(await startInProcess({ sessionMode: 'per-session' }, fixtureCommand('crashing-server.ts')));
    const session = await openRawSession(bridge.url);
    const answer = await session.call('tools/call', { name: 'crash' });
    expect(answer.error?.message).toMatch(
      /^the MCP server process exited with code 1 while handling tools\/call 'crash'; start a new session/,
    );
    const after = await waitFor(
      async () => {
        const response = await session.post({ jsonrpc: '2.0', id: 99, method: 'ping' });
        return response.status === 404 ? response : undefined;
      },
      5_000,
      () => 'the session never answered 404',
    );
    expect(after.status).toBe(404);
  });

  it('shared: the call fails, the server is restarted, and the same session keeps working', async () => {
    const bridge = track(await startInProcess({ sessionMode: 'shared' }, fixtureCommand('crashing-server.ts')));
    const session = await openRawSession(bridge.url);
    const answer = await session.call('tools/call', { name: 'crash' });
    expect(answer.error?.message).toContain(
      "exited with code 1 while handling tools/call 'crash'; mcp-sidecar is restarting it",
    );
    const back = await waitFor(
      async () => {
        const result = await session.call('tools/call', echo('again'));
        return result.result ? result : undefined;
      },
      5_000,
      () => 'the shared server did not come back',
    );
    expect(back.result).toEqual({ content: [{ type: 'text', text: 'again' }] });
  });
});

describe('a server that writes junk on stdout', () => {
  it('has its non-JSON lines logged and skipped, and keeps answering', async () => {
    const bridge = track(await startInProcess({}, fixtureCommand('garbage-server.ts')));
    const session = await openRawSession(bridge.url);
    expect((await session.call('tools/call', echo('one'))).result).toEqual({
      content: [{ type: 'text', text: 'one' }],
    });
    expect((await session.call('tools/call', echo('two'))).result).toEqual({
      content: [{ type: 'text', text: 'two' }],
    });
    const metrics = await (await fetch(`${bridge.adminUrl}/metrics`)).text();
    const skipped = /mcp_sidecar_upstream_invalid_lines_total\{reason="not_json_rpc"\} (\d+)/.exec(metrics)?.[1];
    expect(Number(skipped)).toBeGreaterThanOrEqual(4);
  });

  it('fails only the request whose answer is over --max-message-size', async () => {
    const bridge = track(await startInProcess({ maxMessageSize: 64 * 1024 }, fixtureCommand('garbage-server.ts')));
    const session = await openRawSession(bridge.url);
    const big = await session.call('tools/call', { name: 'big', arguments: { bytes: 200_000 } });
    expect(big.error?.message).toContain("over mcp-sidecar's --max-message-size");
    expect((await session.call('tools/call', echo('fine'))).result).toEqual({
      content: [{ type: 'text', text: 'fine' }],
    });
  });
});

describe('servers that would leave processes behind', () => {
  it(
    'per-session: DELETE kills a server that ignores SIGTERM and stdin EOF, and its grandchild',
    { timeout: 20_000 },
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'pids-'));
      const bridge = track(
        await spawnBridge(
          ['--session-mode', 'per-session', '--pool-min', '1', '--', ...fixtureCommand('stubborn-server.ts')],
          {
            env: { PIDS_DIR: dir },
          },
        ),
      );
      const session = await openRawSession(bridge.url);
      const status = (await (await fetch(`${bridge.adminUrl}/status`)).json()) as {
        sessions: { list: { upstream: { pid: number } }[] };
      };
      const serverPid = status.sessions.list[0]!.upstream.pid;
      const pids = readFileSync(join(dir, String(serverPid)), 'utf8')
        .split(' ')
        .map(Number);
      expect(pids.every(isAlive)).toBe(true);
      const deleted = await fetch(bridge.url, { method: 'DELETE', headers: { 'mcp-session-id': session.id } });
      expect(deleted.status).toBe(200);
      await waitFor(
        () => allGone(pids),
        10_000,
        () => `still alive: ${pids.filter(isAlive).join(', ')}`,
      );
      expect(bridge.output()).toContain('stubborn-server: ignoring SIGTERM');
    },
  );

  it('SIGTERM: the bridge exits 0 and every server, helper and grandchild is gone', { timeout: 20_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pids-'));
    for (const fixture of ['stubborn-server.ts', 'forking-server.ts']) {
      const bridge = await spawnBridge(['--', ...fixtureCommand(fixture)], { env: { PIDS_DIR: dir } });
      await openRawSession(bridge.url);
      const tree = descendantsOf(bridge.child.pid!);
      expect(tree.length).toBeGreaterThanOrEqual(2);
      expect(await bridge.stop('SIGTERM')).toEqual({ code: 0, signal: null });
      await waitFor(
        () => allGone([...tree, ...pidsIn(dir)]),
        8_000,
        () => `${fixture}: processes left behind`,
      );
    }
  });

  it('a server started through npx leaves nothing behind', { timeout: 60_000 }, async () => {
    const bridge = await spawnBridge(['--', 'npx', '-y', '@modelcontextprotocol/server-everything']);
    const session = await openRawSession(bridge.url);
    expect((await session.call('tools/call', echo('via npx'))).result).toMatchObject({
      content: [{ text: 'Echo: via npx' }],
    });
    const tree = descendantsOf(bridge.child.pid!);
    expect(tree.length).toBeGreaterThanOrEqual(2); // npx and the server it started
    expect(await bridge.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    await waitFor(
      () => allGone(tree),
      8_000,
      () => `left behind: ${tree.filter(isAlive).join(', ')}`,
    );
  });
});

describe('server stderr', () => {
  it('becomes log entries tagged with the upstream', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pids-'));
    const bridge = track(
      await spawnBridge(['--', ...fixtureCommand('stubborn-server.ts')], { env: { PIDS_DIR: dir } }),
    );
    process.kill(Number(readdirSync(dir)[0]), 'SIGTERM');
    const line = await waitFor(
      () =>
        bridge
          .output()
          .split('\n')
          .find((l) => l.includes('ignoring SIGTERM')),
      5_000,
      () => bridge.output(),
    );
    expect(JSON.parse(line)).toMatchObject({
      level: 'info',
      stream: 'stderr',
      upstream: expect.stringMatching(/^pid \d+/) as string,
    });
  });
});

describe('graceful shutdown', () => {
  it('lets a call in flight finish within --shutdown-grace, then exits 0', { timeout: 20_000 }, async () => {
    const bridge = await spawnBridge(['--shutdown-grace', '5s', '--', ...fixtureCommand('routing-server.ts')]);
    const session = await openRawSession(bridge.url);
    const call = session.call('tools/call', { name: 'slow', arguments: { ms: 1_000 } });
    await new Promise((resolve) => setTimeout(resolve, 200)); // the call is in flight
    const exited = bridge.stop('SIGTERM');
    expect((await call).result).toEqual({ content: [{ type: 'text', text: 'slow done' }] });
    expect(await exited).toEqual({ code: 0, signal: null });
  });

  it(
    'per-session: sessions end as "shutdown", and closing the pool is not taken for a crash',
    { timeout: 20_000 },
    async () => {
      const args = ['--session-mode', 'per-session', '--pool-min', '1'];
      const bridge = await spawnBridge([...args, '--', ...fixtureCommand('routing-server.ts')]);
      await openRawSession(bridge.url);
      const pooled = async () =>
        ((await (await fetch(`${bridge.adminUrl}/status`)).json()) as { pool: { ready: number } }).pool.ready;
      await waitFor(
        async () => ((await pooled()) === 1 ? true : undefined),
        10_000,
        () => 'the pool did not refill',
      );
      expect(await bridge.stop('SIGTERM')).toEqual({ code: 0, signal: null });
      const ended = bridge
        .output()
        .split('\n')
        .filter((line) => line.includes('"session ended"'))
        .map((line) => (JSON.parse(line) as { reason: string }).reason);
      expect(ended).toEqual(['shutdown']);
      expect(bridge.output()).not.toContain('ended while idle');
    },
  );

  it('fails a call that outlives the grace period with an error saying so', { timeout: 20_000 }, async () => {
    const bridge = await spawnBridge(['--shutdown-grace', '300ms', '--', ...fixtureCommand('routing-server.ts')]);
    const session = await openRawSession(bridge.url);
    const call = session.call('tools/call', { name: 'slow', arguments: { ms: 10_000 } });
    await new Promise((resolve) => setTimeout(resolve, 200));
    const exited = bridge.stop('SIGTERM');
    const answer = await call;
    expect(answer.error?.message).toBe(
      "mcp-sidecar is shutting down and stopped the MCP server before it finished tools/call 'slow'; retry the request",
    );
    expect(await exited).toEqual({ code: 0, signal: null });
  });
});
