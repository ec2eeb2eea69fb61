// Shared set-up of the shim-*.test.ts suites: mcp-shim against real processes: the built static binary, a Node echo
// server as the MCP server, real Unix sockets, real signals, and /proc to see what actually happened. No mocks.
// test/global-setup.ts builds the binary (when missing or older than its sources) before any test file starts, so
// these files, running in parallel, never race to run make.

import { type ChildProcess, type SpawnOptions, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { type Socket, connect } from 'node:net';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, expect } from 'vitest';

import { waitFor as pollFor } from '../../test/helpers/bridge-process.ts';
import { killQuietly } from '../../test/helpers/processes.ts';
import { SHIM_BINARY } from '../../test/helpers/shim.ts';

export const shimBin = SHIM_BINARY;
const fixture = fileURLToPath(new URL('./fixtures/shim-echo.mjs', import.meta.url));
export const echoServer = [process.execPath, fixture];
export const isRoot = process.getuid?.() === 0;
export const canUnsharePid = spawnSync('unshare', ['--pid', '--fork', '--kill-child', 'true']).status === 0;

export interface Shim {
  proc: ChildProcess;
  /** The server command after "--". */
  command: string[];
  pid: number;
  sock: string;
  log: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** False when a launcher put the shim in its own PID namespace: logged pids are not ours then. */
  hostPids: boolean;
}

export interface Client {
  socket: Socket;
  closed: Promise<void>;
  received: () => string;
  send: (line: string) => void;
  nextLine: () => Promise<string>;
}

export interface WhoAmI {
  pid: number;
  grandchild: number | null;
  fds: Record<string, string | null>;
}

/** The current test's temporary directory (a fresh one per test; see registerShimTestHooks). */
export let dir = '';
const shims: Shim[] = [];
const clients: Client[] = [];
/** Server and grandchild pids a test saw; killed after the test if it left them running. */
export const serverPids = new Set<number>();

/** Call once per test file: a fresh `dir` per test, and afterwards nothing of the test left running or on disk. */
export function registerShimTestHooks(): void {
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'mcp-shim-test-'));
  });
  afterEach(cleanUpAfterTest);
}

function cleanUpAfterTest(): void {
  for (const client of clients.splice(0)) client.socket.destroy();
  // pid -> what its command line contains while the pid is still ours (and not reused since).
  const owned = new Map([...serverPids].map((pid) => [pid, process.execPath]));
  for (const shim of shims.splice(0)) {
    if (shim.proc.exitCode === null && shim.proc.signalCode === null) shim.proc.kill('SIGKILL');
    if (!shim.hostPids) continue;
    for (const match of shim.log().matchAll(/started pid (\d+)/g)) owned.set(Number(match[1]), shim.command[0]!);
    for (const match of shim.log().matchAll(/relayed by pid (\d+)/g)) owned.set(Number(match[1]), shimBin);
  }
  // Servers, grandchildren and --pty relays left by a failed test: kill their groups, but only if the pid is ours.
  for (const [pid, command] of owned) {
    if (!readCmdline(pid).includes(command)) continue;
    for (const target of [-pid, pid]) killQuietly(target);
  }
  serverPids.clear();
  rmSync(dir, { recursive: true, force: true });
}

/** The suite's poller (bridge-process.ts) with a yes/no condition and a "waiting for …" message. */
export async function waitFor(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const describe = () => `timed out after ${timeoutMs} ms waiting for ${what}`;
  await pollFor(() => (condition() ? true : undefined), timeoutMs, describe);
}

export function childrenOf(pid: number): number[] {
  const text = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
  return text === '' ? [] : text.split(' ').map(Number);
}

export function readCmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return '';
  }
}

/** The fields of /proc/<pid>/status, or null once the process is fully gone (reaped). */
export function procStatus(pid: number): Record<string, string> | null {
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
export function sessionId(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[3]);
}

export interface StartOptions {
  command?: string[];
  spawn?: SpawnOptions;
  /** Start through `sh -c SCRIPT shim args...` (the script must exec "$0" "$@"). */
  shell?: string;
  /** Start as `...launcher shim args...` (e.g. unshare). */
  launcher?: string[];
  /** Run this copy of the shim instead of the checkout's (e.g. one another user can reach). */
  binary?: string;
}

/** Starts the shim on `<dir>/run/stdio.sock` and waits until it listens (the echo server unless told otherwise). */
export async function startShim(args: string[], options: StartOptions = {}): Promise<Shim> {
  const sock = join(dir, 'run', 'stdio.sock');
  const command = options.command ?? echoServer;
  const argv = ['--listen', sock, ...args, '--', ...command];
  const shellArgs = options.shell === undefined ? [] : ['/bin/sh', '-c', options.shell];
  const binary = options.binary ?? shimBin;
  const [file, ...fileArgs] = [...(options.launcher ?? []), ...shellArgs, binary, ...argv] as [string, ...string[]];
  const proc = spawn(file, fileArgs, { ...options.spawn, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  proc.stderr.setEncoding('utf8').on('data', (chunk: string) => (log += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const shim: Shim = { proc, command, pid: proc.pid!, sock, log: () => log, exited, hostPids: !options.launcher };
  shims.push(shim);
  await waitFor(() => log.includes('listening on') || proc.exitCode !== null, 'the shim to listen');
  expect(log).toContain(`listening on ${sock}`);
  return shim;
}

export async function openClient(sock: string): Promise<Client> {
  const socket = connect(sock);
  let buffer = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => (buffer += chunk));
  // A peer that closes with our data unread gives ECONNRESET rather than EOF; both mean "closed".
  socket.on('error', () => {});
  // The shim logs why it closes a connection before closing it, yet Node may handle the close before reading that
  // line from the shim's stderr when both are ready at once (seen with the shim-*.test.ts files running in parallel).
  // Resolving on the next setImmediate lets that pending I/O be read first, so the log is complete when we resume.
  const closed = new Promise<void>((resolve) => socket.once('close', () => setImmediate(resolve)));
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
/** Asks the echo server behind `client` who it is (pid, grandchild, open fds); remembers the pids for clean-up. */
export async function whoami(client: Client): Promise<WhoAmI> {
  const id = nextId++;
  client.send(JSON.stringify({ jsonrpc: '2.0', id, method: 'whoami' }));
  const reply = JSON.parse(await client.nextLine()) as { id: number; result: WhoAmI };
  expect(reply.id).toBe(id);
  serverPids.add(reply.result.pid);
  if (reply.result.grandchild !== null) serverPids.add(reply.result.grandchild);
  return reply.result;
}

export function close(client: Client): Promise<void> {
  client.socket.end();
  return client.closed;
}

export async function waitForExitLog(shim: Shim, pid: number): Promise<void> {
  await waitFor(() => new RegExp(`pid ${pid} (exited|killed)`).test(shim.log()), `the shim to log pid ${pid}'s exit`);
}

export async function waitGone(pid: number, what: string, timeoutMs = 5000): Promise<void> {
  await waitFor(() => procStatus(pid) === null, `${what} (pid ${pid}) to be gone from /proc`, timeoutMs);
}
