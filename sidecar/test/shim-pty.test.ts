// mcp-shim --pty: the server's stdin and stdout are a raw pseudo-terminal that a relay process copies to and from the
// connection, so servers that block-buffer stdout unless it is a terminal (a Python print() server) answer at once.
// Bytes pass unchanged both ways; stderr stays the shim's; process groups, hang-up and shutdown behave as without
// --pty. Set-up: shim-support.ts.
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { type Socket, connect } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, onTestFinished, test } from 'vitest';

import {
  type Shim,
  childrenOf,
  close,
  dir,
  echoServer,
  openClient,
  procStatus,
  registerShimTestHooks,
  sessionId,
  shimBin,
  startShim,
  waitFor,
  waitForExitLog,
  waitGone,
  whoami,
} from './shim-support.ts';

registerShimTestHooks();

const pythonServer = [
  'python3',
  fileURLToPath(new URL('../../test/fixtures/python/buffered_server.py', import.meta.url)),
];
// This machine (like many CI images) sets PYTHONUNBUFFERED=1, which would make Python flush without a terminal.
const bufferedEnv = Object.fromEntries(Object.entries(process.env).filter(([name]) => name !== 'PYTHONUNBUFFERED'));

function request(id: number, method: string, params: object = {}): string {
  return JSON.stringify({ jsonrpc: '2.0', id, method, params });
}

function relayPid(shim: Shim, connection: number): number {
  const match = new RegExp(`for connection ${connection} \\(pty, relayed by pid (\\d+)\\)\\n`).exec(shim.log());
  expect(match, `the shim's log: ${shim.log()}`).not.toBeNull();
  return Number(match![1]);
}

/** Fields of /proc/<pid>/stat after the command name: session, controlling terminal, its foreground group. */
function terminalOf(pid: number): { session: number; ttyNr: number; foreground: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat
    .slice(stat.lastIndexOf(')') + 2)
    .split(' ')
    .map(Number);
  return { session: fields[3]!, ttyNr: fields[4]!, foreground: fields[5]! };
}

/** A byte-exact client (openClient decodes UTF-8), closed after the test. */
async function rawClient(sock: string): Promise<{ socket: Socket; received: () => Buffer }> {
  const socket = connect(sock);
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  socket.on('error', () => {});
  onTestFinished(() => void socket.destroy());
  await once(socket, 'connect');
  return { socket, received: () => Buffer.concat(chunks) };
}

describe('mcp-shim --pty', () => {
  test('a Python server that block-buffers stdout answers initialize and tools/call at once', async () => {
    const shim = await startShim(['--pty'], { command: pythonServer, spawn: { env: bufferedEnv } });
    const client = await openClient(shim.sock);
    client.send(request(1, 'initialize', { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: {} }));
    const init = JSON.parse(await client.nextLine()) as { id: number; result: { serverInfo: { name: string } } };
    expect(init).toMatchObject({ id: 1, result: { serverInfo: { name: 'buffered-server' } } });
    client.send(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }));
    client.send(request(2, 'tools/call', { name: 'echo', arguments: { text: 'héllo ✓' } }));
    expect(JSON.parse(await client.nextLine())).toEqual({
      jsonrpc: '2.0',
      id: 2,
      result: { content: [{ type: 'text', text: 'héllo ✓' }] },
    });
    // The answers came while the connection stayed open: the server flushed each line (see the contrast below).
    expect(shim.log()).toMatch(/started pid \d+ for connection 1 \(pty, relayed by pid \d+\)\n/);
    await waitFor(() => shim.log().includes('stdout is a tty: True'), "the server's stderr line");
  });

  test('without --pty the same server holds its replies back until it exits (it needs the terminal)', async () => {
    const shim = await startShim([], { command: pythonServer, spawn: { env: bufferedEnv } });
    const client = await openClient(shim.sock);
    // The server is up (it says so on stderr) before the wait starts, so a slow start cannot pass for buffering.
    await waitFor(() => shim.log().includes('stdout is a tty: False'), "the server's stderr line");
    client.send(request(1, 'initialize'));
    client.send(request(2, 'tools/list'));
    await sleep(3000);
    expect(client.received()).toBe('');
    // On EOF it exits and flushes: the replies were buffered, not lost.
    await close(client);
    const replies = client.received().trimEnd().split('\n');
    expect(replies.map((line) => (JSON.parse(line) as { id: number }).id)).toEqual([1, 2]);
    expect(shim.log()).toContain('stdout is a tty: False');
  });

  test('a 2 MB line of multi-byte UTF-8 passes both ways unchanged', async () => {
    const shim = await startShim(['--pty']);
    const client = await openClient(shim.sock);
    // Characters of 1 to 4 bytes in an irregular order, so some straddle every chunk boundary on the way.
    const pieces = ['a', 'é', '✓', '😀', '"', '\\\\', 'ß€'];
    let text = '';
    for (let i = 0; text.length < 1_100_000; i++) text += pieces[(i * 7 + (i >> 3)) % pieces.length];
    const line = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'echo', params: { text } });
    expect(Buffer.byteLength(line)).toBeGreaterThan(2_000_000);
    client.send(line);
    expect(await client.nextLine()).toBe(line);
    client.send('{"after":"the big line"}');
    expect(await client.nextLine()).toBe('{"after":"the big line"}');
  });

  test("the server's last 2 MB before it exits all arrive, then the connection closes", async () => {
    const script = 'import sys; sys.stdout.write("y" * 2000000 + "\\n")';
    const shim = await startShim(['--pty'], { command: ['python3', '-c', script] });
    const client = await rawClient(shim.sock);
    await once(client.socket, 'close');
    expect(client.received().equals(Buffer.from(`${'y'.repeat(2_000_000)}\n`))).toBe(true);
    await waitFor(() => /pid \d+ exited with code 0\n/.test(shim.log()), "the shim to log the server's exit");
  });

  test('no byte is translated or acted on: no CR/LF mapping, no echo, no signal or flow-control characters', async () => {
    const shim = await startShim(['--pty'], { command: ['cat'] });
    const client = await rawClient(shim.sock);
    const echoed = async (sent: Buffer, what: string) => {
      const before = client.received().length;
      client.socket.write(sent);
      await waitFor(() => client.received().length >= before + sent.length, what);
      await sleep(100); // anything a terminal would add (an echo of the input, a CR) would have arrived by now
      return client.received().subarray(before);
    };
    expect((await echoed(Buffer.from('a\n'), 'the echo of "a\\n"')).toString('latin1')).toBe('a\n');
    expect((await echoed(Buffer.from('x\ry\r\n'), 'the echo of "x\\ry\\r\\n"')).toString('latin1')).toBe('x\ry\r\n');
    // Every byte value, including ^C ^D ^S ^Q ^Z ^\ ^V and DEL, which a cooked terminal would act on.
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const twice = Buffer.concat([all, all]);
    expect((await echoed(twice, 'the echo of every byte value')).equals(twice)).toBe(true);
    expect(shim.log()).not.toMatch(/pid \d+ (exited|killed)/); // ^C and ^\ raised no signal, ^D was no EOF
  });

  test("stdin and stdout are the terminal, stderr is the shim's, and the server leads a session on that terminal", async () => {
    // Start through sh to give the shim a leaked, non-CLOEXEC fd 3 that neither the server nor the relay may keep.
    const shim = await startShim(['--pty'], { shell: 'exec "$0" "$@" 3<"$0"' });
    const client = await openClient(shim.sock);
    const server = await whoami(client);
    expect(server.fds['0']).toMatch(/^\/dev\/pts\/\d+$/);
    expect(server.fds['1']).toBe(server.fds['0']);
    expect(server.fds['2']).toBe(readlinkSync(`/proc/${shim.pid}/fd/2`));
    // Neither the master, nor the connection, nor the leaked fd 3 reached the server.
    const held = Object.entries(server.fds).filter(
      ([fd, link]) => Number(fd) > 2 && (link === shimBin || /^socket:|ptmx/.test(link ?? '')),
    );
    expect(held).toEqual([]);
    // The server's stderr goes to the shim's stderr (the container log), never into the connection.
    await waitFor(() => shim.log().includes(`shim-echo: pid ${server.pid}\n`), "the server's stderr line");
    expect(client.received()).not.toContain('shim-echo');

    const terminal = terminalOf(server.pid);
    expect(terminal.session).toBe(server.pid);
    expect(sessionId(server.pid)).toBe(server.pid);
    expect(terminal.ttyNr).not.toBe(0); // a controlling terminal...
    expect(terminal.foreground).toBe(server.pid); // ...on which the server's group is in the foreground

    const relay = relayPid(shim, 1);
    expect(childrenOf(shim.pid).sort()).toEqual([server.pid, relay].sort());
    expect(sessionId(relay)).not.toBe(server.pid); // not in the server's group: group kills cannot cut the relay
    const relayFds = readdirSync(`/proc/${relay}/fd`).filter((fd) => Number(fd) > 2);
    const links = relayFds.map((fd) => readlinkSync(`/proc/${relay}/fd/${fd}`)).sort();
    expect(links).toEqual(['/dev/ptmx', expect.stringMatching(/^socket:\[\d+\]$/)]);
  });

  test('closing the connection hangs up the terminal: the server and its group end and the shim logs it', async () => {
    const shim = await startShim(['--pty', '--grace', '1'], { command: [...echoServer, '--grandchild', '0'] });
    const client = await openClient(shim.sock);
    const { pid, grandchild } = await whoami(client);
    const relay = relayPid(shim, 1);
    await close(client);
    await waitForExitLog(shim, pid);
    expect(shim.log()).toContain(`mcp-shim: pid ${pid} killed by signal 1 (Hangup)\n`);
    await waitGone(grandchild!, "the grandchild in the server's group", 3000);
    await waitGone(relay, 'the relay');
    expect(shim.proc.exitCode).toBeNull();
  });

  test('SIGTERM stops a --pty server, its relay and the shim within --grace', async () => {
    const record = join(dir, 'signals.txt');
    const shim = await startShim(['--pty', '--grace', '3'], { command: [...echoServer, '--record', record] });
    const client = await openClient(shim.sock);
    const { pid } = await whoami(client);
    const relay = relayPid(shim, 1);
    const started = Date.now();
    shim.proc.kill('SIGTERM');
    expect(await shim.exited).toEqual({ code: 0, signal: null }); // exit 1 would mean --grace ran out (SIGKILL)
    expect(Date.now() - started).toBeLessThan(3000);
    expect(readFileSync(record, 'utf8')).toBe(`SIGTERM ${pid}\n`);
    await client.closed;
    await waitGone(pid, 'the server', 1000);
    await waitGone(relay, 'the relay', 1000);
  });

  test('a --pty server that ignores SIGTERM is SIGKILLed after --grace, and its relay ends with it', async () => {
    const shim = await startShim(['--pty', '--grace', '1'], { command: [...echoServer, '--ignore-term'] });
    const client = await openClient(shim.sock);
    const { pid } = await whoami(client);
    const relay = relayPid(shim, 1);
    shim.proc.kill('SIGTERM');
    expect(await shim.exited).toEqual({ code: 1, signal: null });
    expect(shim.log()).toContain(`mcp-shim: pid ${pid} killed by signal 9`);
    await client.closed;
    await waitGone(relay, 'the relay', 1000);
    expect(procStatus(pid)).toBeNull();
  });

  test("a side that stops reading stalls the other instead of growing the relay's memory", async () => {
    // yes writes forever and never reads its stdin; the client reads nothing and writes 8 MB.
    const shim = await startShim(['--pty'], { command: ['yes'] });
    const client = await rawClient(shim.sock);
    client.socket.pause();
    client.socket.write(Buffer.alloc(8 << 20, 'x'));
    await sleep(1000);
    const relay = relayPid(shim, 1);
    const status = readFileSync(`/proc/${relay}/status`, 'utf8');
    expect(Number(/VmRSS:\s+(\d+) kB/.exec(status)![1])).toBeLessThan(4096);
    // Waiting in poll(), not spinning: a busy loop would have used most of that second.
    const stat = readFileSync(`/proc/${relay}/stat`, 'utf8');
    const [utime, stime] = stat
      .slice(stat.lastIndexOf(')') + 2)
      .split(' ')
      .slice(11, 13)
      .map(Number);
    expect(utime! + stime!).toBeLessThan(25);
    expect(procStatus(relay)?.State).toMatch(/^S/);
    client.socket.resume();
    await waitFor(() => client.received().length > 1 << 20, 'a megabyte of output once the client reads again');
    expect(client.received().toString('latin1')).toMatch(/^(y\n)+y?$/);
  });

  test('a relay stuck on a bridge that stopped reading is SIGKILLed --grace seconds after its server exited', async () => {
    // Writes until the terminal, the relay and the socket are all full (no progress for 0.4 s), then exits.
    const script = [
      'import os, time',
      'os.set_blocking(1, False)',
      'idle = 0',
      'while idle < 20:',
      '  try: os.write(1, b"z" * 65536); idle = 0',
      '  except BlockingIOError: idle += 1; time.sleep(0.02)',
    ].join('\n');
    const shim = await startShim(['--pty', '--grace', '1'], { command: ['python3', '-c', script] });
    const client = await rawClient(shim.sock);
    client.socket.pause();
    await waitFor(() => /pid \d+ exited with code 0\n/.test(shim.log()), 'the server to fill everything and exit');
    const exited = Date.now();
    const relay = relayPid(shim, 1);
    expect(procStatus(relay)?.State).toMatch(/^S/); // still waiting for the client to read
    await waitGone(relay, 'the stuck relay', 3000);
    expect(Date.now() - exited).toBeGreaterThanOrEqual(700);
    expect(shim.proc.exitCode).toBeNull();
  });

  test('--pty is in --help, takes no value and is not for --install', () => {
    expect(spawnSync(shimBin, ['--help'], { encoding: 'utf8' }).stdout).toMatch(/--pty +give the server a raw/);
    const valued = spawnSync(shimBin, ['--pty=yes', '--listen', join(dir, 's.sock'), '--', 'cat'], {
      encoding: 'utf8',
    });
    expect(valued.status).toBe(2);
    expect(valued.stderr).toBe('mcp-shim: --pty takes no value; write just --pty\n');
    const install = spawnSync(shimBin, ['--install', join(dir, 'bin', 'mcp-shim'), '--pty'], { encoding: 'utf8' });
    expect(install.status).toBe(2);
    expect(install.stderr).toContain('--install takes only a destination path');
  });
});
