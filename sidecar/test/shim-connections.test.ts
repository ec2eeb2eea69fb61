// mcp-shim connections: each one gets a fresh server process with the connection as its stdin and stdout, its own
// session, clean fds and signal state; --max-children bounds how many run at once. Set-up: shim-support.ts.
import { readdirSync, readlinkSync } from 'node:fs';
import { describe, expect, test } from 'vitest';

import {
  close,
  openClient,
  procStatus,
  registerShimTestHooks,
  sessionId,
  shimBin,
  startShim,
  waitFor,
  waitForExitLog,
  whoami,
} from './shim-support.ts';

registerShimTestHooks();

describe('mcp-shim connections', () => {
  test('a connection round-trips a JSON-RPC line through a fresh server', async () => {
    const shim = await startShim([]);
    const client = await openClient(shim.sock);
    const line = JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/list', params: { cursor: 'é ✓' } });
    client.send(line);
    expect(await client.nextLine()).toBe(line);
    const { pid } = await whoami(client);
    expect(shim.log()).toContain(`mcp-shim: started pid ${pid} for connection 1\n`);
    // The server's stderr is the shim's stderr (the container log).
    await waitFor(() => shim.log().includes(`shim-echo: pid ${pid}\n`), "the server's stderr line");
  });

  test('two connections get two distinct server processes, each in its own session', async () => {
    const shim = await startShim([]);
    const [a, b] = [await openClient(shim.sock), await openClient(shim.sock)];
    const [first, second] = [await whoami(a), await whoami(b)];
    expect(first.pid).not.toBe(second.pid);
    for (const { pid } of [first, second]) {
      expect(procStatus(pid)?.PPid).toBe(String(shim.pid));
      expect(sessionId(pid)).toBe(pid);
    }
    expect(shim.log()).toMatch(/started pid \d+ for connection 1\n[^]*started pid \d+ for connection 2\n/);
  });

  test('the server gets the connection on fds 0 and 1, the shim stderr on 2, and nothing else', async () => {
    // Start through sh to give the shim a leaked, non-CLOEXEC fd 3.
    const shim = await startShim([], { shell: 'exec "$0" "$@" 3<"$0"' });
    const shimFds = readdirSync(`/proc/${shim.pid}/fd`).map((fd): [string, string] => [
      fd,
      readlinkSync(`/proc/${shim.pid}/fd/${fd}`),
    ]);
    expect(Object.fromEntries(shimFds)['3']).toBe(shimBin);
    const server = await whoami(await openClient(shim.sock));
    expect(server.fds['0']).toMatch(/^socket:\[\d+\]$/);
    expect(server.fds['1']).toBe(server.fds['0']);
    expect(server.fds['2']).toBe(readlinkSync(`/proc/${shim.pid}/fd/2`));
    // Nothing the shim holds above fd 2 (leaked fd 3, listening socket, wake pipe) reaches the server.
    const leaked = shimFds.filter(([fd]) => Number(fd) > 2).map(([, link]) => link);
    expect(leaked.length).toBeGreaterThanOrEqual(4);
    expect(Object.values(server.fds).filter((link) => link !== null && leaked.includes(link))).toEqual([]);
  });

  test('the server starts with default signal dispositions, an empty mask and its own session', async () => {
    // Node resets dispositions at start-up itself, so the probe is `cat /proc/self/status`, whose
    // output comes back over the connection. The shim inherits an ignored SIGHUP through sh and
    // blocks every signal around fork(); neither may reach the server.
    const shim = await startShim([], { shell: 'trap "" HUP; exec "$0" "$@"', command: ['cat', '/proc/self/status'] });
    const client = await openClient(shim.sock);
    await client.closed;
    const status = Object.fromEntries(
      client
        .received()
        .split('\n')
        .map((line) => line.split(':\t')),
    ) as Record<string, string | undefined>;
    const hup = 1n;
    expect(BigInt(`0x${procStatus(shim.pid)?.SigIgn}`) & hup).toBe(hup);
    expect(status.Name).toBe('cat');
    expect(BigInt(`0x${status.SigIgn}`)).toBe(0n);
    expect(BigInt(`0x${status.SigBlk}`)).toBe(0n);
    expect(status.PPid).toBe(String(shim.pid));
    expect(status.NSsid).toBe(status.Pid);
  });

  test('a server that cannot be executed closes the connection and the log names the command', async () => {
    const shim = await startShim([], { command: ['mcp-shim-test-no-such-command', '--flag'] });
    const client = await openClient(shim.sock);
    client.send('{"jsonrpc":"2.0","id":1,"method":"initialize"}');
    await client.closed;
    expect(client.received()).toBe('');
    await waitFor(() => /exited with code 127/.test(shim.log()), 'the exit-127 log line');
    expect(shim.log()).toContain('mcp-shim: cannot run "mcp-shim-test-no-such-command": No such file or directory\n');
    expect(shim.log()).toMatch(/mcp-shim: pid \d+ exited with code 127\n/);
    expect(shim.proc.exitCode).toBeNull();
  });

  test('--max-children 1 refuses a second concurrent connection and accepts again after the first closes', async () => {
    const shim = await startShim(['--max-children', '1']);
    const first = await openClient(shim.sock);
    const { pid: firstPid } = await whoami(first);

    const refused = await openClient(shim.sock);
    refused.send('{"jsonrpc":"2.0","id":1,"method":"ping"}');
    await refused.closed;
    expect(refused.received()).toBe('');
    expect(shim.log()).toContain('mcp-shim: refusing connection: 1 servers already running (--max-children 1)\n');
    expect(shim.log().match(/started pid/g)).toHaveLength(1);

    await close(first);
    await waitForExitLog(shim, firstPid);
    const third = await openClient(shim.sock);
    const { pid: thirdPid } = await whoami(third);
    expect(thirdPid).not.toBe(firstPid);
  });
});
