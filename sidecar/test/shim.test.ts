// mcp-shim against real processes: the built static binary, a Node echo server as the MCP server,
// real Unix sockets, real signals, and /proc to see what actually happened. No mocks.
import { type ChildProcess, type SpawnOptions, execFileSync, spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { type Socket, connect } from 'node:net';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';

const shimDir = fileURLToPath(new URL('../shim/', import.meta.url));
const shimBin = join(shimDir, 'build', 'mcp-shim');
const fixture = fileURLToPath(new URL('./fixtures/shim-echo.mjs', import.meta.url));
const echoServer = [process.execPath, fixture];
const isRoot = process.getuid?.() === 0;
const canUnsharePid = spawnSync('unshare', ['--pid', '--fork', '--kill-child', 'true']).status === 0;

interface Shim {
  proc: ChildProcess;
  pid: number;
  sock: string;
  log: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** False when a launcher put the shim in its own PID namespace: logged pids are not ours then. */
  hostPids: boolean;
}

interface Client {
  socket: Socket;
  closed: Promise<void>;
  received: () => string;
  send: (line: string) => void;
  nextLine: () => Promise<string>;
}

interface WhoAmI {
  pid: number;
  grandchild: number | null;
  fds: Record<string, string | null>;
}

let dir = '';
const shims: Shim[] = [];
const clients: Client[] = [];
const serverPids = new Set<number>();

// `npm test` on a clean clone has no binary yet; rebuild whenever the source is newer than it.
beforeAll(() => {
  const newestSource = Math.max(...['mcp-shim.c', 'Makefile'].map((f) => statSync(join(shimDir, f)).mtimeMs));
  if (existsSync(shimBin) && statSync(shimBin).mtimeMs >= newestSource) return;
  execFileSync('make', ['-C', shimDir], { stdio: ['ignore', 'pipe', 'pipe'] });
});

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mcp-shim-test-'));
});

afterEach(() => {
  for (const client of clients.splice(0)) client.socket.destroy();
  for (const shim of shims.splice(0)) {
    if (shim.proc.exitCode === null && shim.proc.signalCode === null) shim.proc.kill('SIGKILL');
    if (!shim.hostPids) continue;
    for (const match of shim.log().matchAll(/started pid (\d+)/g)) serverPids.add(Number(match[1]));
  }
  // Servers and grandchildren left by a failed test: kill their groups, but only if the pid is still ours.
  for (const pid of serverPids) {
    if (!readCmdline(pid).includes(process.execPath)) continue;
    for (const target of [-pid, pid]) {
      try {
        process.kill(target, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  serverPids.clear();
  rmSync(dir, { recursive: true, force: true });
});

async function waitFor(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function childrenOf(pid: number): number[] {
  const text = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
  return text === '' ? [] : text.split(' ').map(Number);
}

function readCmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return '';
  }
}

/** The fields of /proc/<pid>/status, or null once the process is fully gone (reaped). */
function procStatus(pid: number): Record<string, string> | null {
  try {
    const text = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Object.fromEntries(
      text
        .split('\n')
        .filter((line) => line.includes(':'))
        .map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1).trim()]),
    );
  } catch {
    return null;
  }
}

/** Session id of a process (field 6 of /proc/<pid>/stat; the command name may contain spaces). */
function sessionId(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[3]);
}

interface StartOptions {
  command?: string[];
  spawn?: SpawnOptions;
  /** Start through `sh -c SCRIPT shim args...` (the script must exec "$0" "$@"). */
  shell?: string;
  /** Start as `...launcher shim args...` (e.g. unshare). */
  launcher?: string[];
}

async function startShim(args: string[], options: StartOptions = {}): Promise<Shim> {
  const sock = join(dir, 'run', 'stdio.sock');
  const argv = ['--listen', sock, ...args, '--', ...(options.command ?? echoServer)];
  const shellArgs = options.shell === undefined ? [] : ['/bin/sh', '-c', options.shell];
  const [file, ...fileArgs] = [...(options.launcher ?? []), ...shellArgs, shimBin, ...argv] as [string, ...string[]];
  const proc = spawn(file, fileArgs, { ...options.spawn, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  proc.stderr.setEncoding('utf8').on('data', (chunk: string) => (log += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const shim: Shim = { proc, pid: proc.pid!, sock, log: () => log, exited, hostPids: !options.launcher };
  shims.push(shim);
  await waitFor(() => log.includes('listening on') || proc.exitCode !== null, 'the shim to listen');
  expect(log).toContain(`listening on ${sock}`);
  return shim;
}

async function openClient(sock: string): Promise<Client> {
  const socket = connect(sock);
  let buffer = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => (buffer += chunk));
  // A peer that closes with our data unread gives ECONNRESET rather than EOF; both mean "closed".
  socket.on('error', () => {});
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  await once(socket, 'connect');
  const client: Client = {
    socket,
    closed,
    received: () => buffer,
    send: (line) => socket.write(`${line}\n`),
    nextLine: async () => {
      await waitFor(() => buffer.includes('\n'), 'a line from the server');
      const line = buffer.slice(0, buffer.indexOf('\n'));
      buffer = buffer.slice(buffer.indexOf('\n') + 1);
      return line;
    },
  };
  clients.push(client);
  return client;
}

let nextId = 1;
async function whoami(client: Client): Promise<WhoAmI> {
  const id = nextId++;
  client.send(JSON.stringify({ jsonrpc: '2.0', id, method: 'whoami' }));
  const reply = JSON.parse(await client.nextLine()) as { id: number; result: WhoAmI };
  expect(reply.id).toBe(id);
  serverPids.add(reply.result.pid);
  if (reply.result.grandchild !== null) serverPids.add(reply.result.grandchild);
  return reply.result;
}

function close(client: Client): Promise<void> {
  client.socket.end();
  return client.closed;
}

async function waitForExitLog(shim: Shim, pid: number): Promise<void> {
  await waitFor(() => new RegExp(`pid ${pid} (exited|killed)`).test(shim.log()), `the shim to log pid ${pid}'s exit`);
}

async function waitGone(pid: number, what: string, timeoutMs = 5000): Promise<void> {
  await waitFor(() => procStatus(pid) === null, `${what} (pid ${pid}) to be gone from /proc`, timeoutMs);
}

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
    const owner = isRoot ? 4321 : process.getuid!() + 1;
    const shim = await startShim(['--socket-owner', String(owner)], { spawn: options });
    const me = isRoot ? 65534 : process.getuid!();
    expect(shim.log()).toContain(`warning: --socket-owner ${owner} ignored: not running as root`);
    expect(statSync(shim.sock).uid).toBe(me);
    expect(shim.proc.exitCode).toBeNull();
  });
});

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
