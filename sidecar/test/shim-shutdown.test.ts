// mcp-shim shutdown and reaping: SIGTERM/SIGINT forwarded to every server group with a grace period before SIGKILL,
// one connection = one process tree, and no zombies, as a subreaper and as PID 1. Set-up: shim-support.ts.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';

import {
  canUnsharePid,
  childrenOf,
  close,
  dir,
  echoServer,
  openClient,
  procStatus,
  readCmdline,
  registerShimTestHooks,
  serverPids,
  startShim,
  waitFor,
  waitForExitLog,
  waitGone,
  whoami,
} from './shim-support.ts';

registerShimTestHooks();

describe('mcp-shim shutdown and reaping', () => {
  test('SIGTERM is forwarded to every server, the socket is removed and the shim exits 0', async () => {
    const record = join(dir, 'signals.txt');
    const shim = await startShim([], { command: [...echoServer, '--record', record] });
    const pids = [await whoami(await openClient(shim.sock)), await whoami(await openClient(shim.sock))].map(
      (w) => w.pid,
    );
    shim.proc.kill('SIGTERM');
    expect(await shim.exited).toEqual({ code: 0, signal: null });
    expect(readFileSync(record, 'utf8').trim().split('\n').sort()).toEqual(pids.map((p) => `SIGTERM ${p}`).sort());
    expect(existsSync(shim.sock)).toBe(false);
    for (const pid of pids) await waitGone(pid, 'a server');
    expect(shim.log()).toContain('received SIGTERM: stopping 2 servers');
  });

  test('SIGINT is forwarded as SIGINT', async () => {
    const record = join(dir, 'signals.txt');
    const shim = await startShim([], { command: [...echoServer, '--record', record] });
    const { pid } = await whoami(await openClient(shim.sock));
    shim.proc.kill('SIGINT');
    expect(await shim.exited).toEqual({ code: 0, signal: null });
    expect(readFileSync(record, 'utf8')).toBe(`SIGINT ${pid}\n`);
  });

  test('a server that ignores SIGTERM is SIGKILLed after --grace 1 and the shim exits 1', async () => {
    const record = join(dir, 'signals.txt');
    const shim = await startShim(['--grace', '1'], { command: [...echoServer, '--record', record, '--ignore-term'] });
    const { pid } = await whoami(await openClient(shim.sock));
    const started = Date.now();
    shim.proc.kill('SIGTERM');
    expect(await shim.exited).toEqual({ code: 1, signal: null });
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(900);
    expect(elapsed).toBeLessThan(4000);
    expect(readFileSync(record, 'utf8')).toBe(`SIGTERM ${pid}\n`);
    expect(shim.log()).toContain('sending SIGKILL');
    expect(shim.log()).toContain(`mcp-shim: pid ${pid} killed by signal 9`);
    await waitGone(pid, 'the SIGKILLed server');
  });

  test('what a server leaves in its process group is stopped when the server exits (one connection, one process tree)', async () => {
    const shim = await startShim(['--grace', '1'], { command: [...echoServer, '--grandchild', '0'] });
    const client = await openClient(shim.sock);
    const { pid, grandchild } = await whoami(client);
    expect(grandchild).toEqual(expect.any(Number));
    expect(procStatus(grandchild!)?.PPid).toBe(String(pid));

    await close(client); // the server exits on EOF; its grandchild would live on
    await waitForExitLog(shim, pid);
    await waitGone(grandchild!, "the grandchild left in the server's group", 3000);
    expect(shim.proc.exitCode).toBeNull(); // the shim itself carries on
  });

  // The real deployment: the shim is PID 1 of the container's PID namespace, so orphans come to it
  // because it is init, not because of the subreaper flag. Needs CAP_SYS_ADMIN for unshare --pid.
  test.skipIf(!canUnsharePid)('as PID 1 of a PID namespace it reaps and stops what a dead server left', async () => {
    const shim = await startShim([], {
      launcher: ['unshare', '--pid', '--fork', '--kill-child'],
      command: [...echoServer, '--grandchild', '0'],
    });
    expect(shim.log()).toMatch(/listening on .* \(pid 1\)\n/);
    const [shimPid] = childrenOf(shim.pid); // shim.pid is unshare; its only child is the shim
    const client = await openClient(shim.sock);
    client.send('{"jsonrpc":"2.0","id":1,"method":"ping"}');
    expect(await client.nextLine()).toBe('{"jsonrpc":"2.0","id":1,"method":"ping"}');
    const [serverPid] = childrenOf(shimPid!);
    await waitFor(() => childrenOf(serverPid!).length === 1, 'the server to spawn its grandchild');
    const [grandchild] = childrenOf(serverPid!);
    serverPids.add(grandchild!);

    expect(readCmdline(grandchild!)).toContain('setInterval');

    process.kill(serverPid!, 'SIGKILL'); // the server dies; PID 1 inherits its grandchild and stops it
    await waitFor(() => /pid 2 killed by signal 9/.test(shim.log()), 'the server (pid 2 inside) to die');
    await waitGone(grandchild!, 'the orphaned grandchild', 3000);
    process.kill(shimPid!, 'SIGTERM');
    expect(await shim.exited).toEqual({ code: 0, signal: null }); // unshare passes on the shim's status
  });

  test('exited servers and their orphaned grandchildren are reaped while the shim keeps running', async () => {
    const shim = await startShim([], { command: [...echoServer, '--grandchild', '2'] });
    const clientsOpen = [await openClient(shim.sock), await openClient(shim.sock), await openClient(shim.sock)];
    const servers = await Promise.all(clientsOpen.map((c) => whoami(c)));
    await Promise.all(clientsOpen.map((c) => close(c)));
    for (const { pid } of servers) await waitForExitLog(shim, pid);
    for (const { pid } of servers) await waitGone(pid, 'an exited server', 1000);
    // Orphaned, so it is the shim (subreaper or PID 1) that must reap them, and no zombie may remain.
    for (const { grandchild } of servers) await waitGone(grandchild!, 'an orphaned grandchild', 6000);

    const zombies = readdirSync('/proc')
      .filter((entry) => /^\d+$/.test(entry))
      .map((entry) => procStatus(Number(entry)))
      .filter((status) => status?.PPid === String(shim.pid) && status.State?.startsWith('Z'));
    expect(zombies).toEqual([]);
    expect(shim.proc.exitCode).toBeNull();
    expect(procStatus(shim.pid)?.State).toMatch(/^S/);
  });
});
