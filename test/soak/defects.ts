// Defects 1–7 of issue 12, one scenario each, against any checkout's bridge: the figures the issue quotes, before
// and after. `node --conditions=mcp-sidecar-source test/soak/defects.ts [path/to/sidecar/src/main.ts] [d1,d2,...]`
// (default: this checkout). Another checkout needs its own node_modules (or links to these). Loopback only; about
// two minutes for all seven. The bridge runs with the V8 flags it ships with unless NODE_FLAGS= is set empty.

import { execFileSync, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { nonReadingRequest } from '../abuse/support.ts';
import { CLK_TCK, readStat, treeMemory } from '../bench/proc-stats.ts';
import { BRIDGE_MAIN, BRIDGE_NODE_FLAGS, fixtureCommand, waitFor, waitUntilReady } from '../helpers/bridge-process.ts';
import { initializeRequest, MCP_HEADERS, openRawSession } from '../helpers/mcp-http.ts';
import { rawHttp } from '../helpers/sse-stream.ts';

const [main = BRIDGE_MAIN, only] = process.argv.slice(2);
const flags =
  process.env.NODE_FLAGS === undefined ? BRIDGE_NODE_FLAGS : process.env.NODE_FLAGS.split(' ').filter(Boolean);

interface Running {
  readonly url: string;
  readonly admin: string;
  readonly pid: number;
  output(): string;
  kill(): void;
}

async function start(args: readonly string[] = []): Promise<Running> {
  const argv = [...flags, '--conditions=mcp-sidecar-source', main, '--port', '0', '--admin-port', '0', ...args];
  const child = spawn(process.execPath, [...argv, '--', ...fixtureCommand('abuse-server.ts')], { stdio: 'pipe' });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const line = await waitFor(
    () => output.split('\n').find((l) => l.includes('"admin"')),
    20_000,
    () => output,
  );
  const { url, admin } = JSON.parse(line) as { url: string; admin: string };
  await waitUntilReady(admin);
  return { url, admin, pid: child.pid!, output: () => output, kill: () => child.kill('SIGKILL') };
}

const rss = (pid: number) => Math.round(treeMemory(pid).rootRssKb / 1024);
const cpu = (pid: number) => (readStat(pid)?.ticks ?? 0) / CLK_TCK;
const sessionHeaders = (id: string) => ({ ...MCP_HEADERS, 'mcp-session-id': id, 'mcp-protocol-version': '2025-11-25' });

async function d1(b: Running): Promise<string> {
  const session = await openRawSession(b.url);
  const headers = { ...sessionHeaders(session.id), accept: 'text/event-stream' };
  const socket = await nonReadingRequest(b.url, { headers });
  const samples = [rss(b.pid)];
  const flood = { name: 'flood_notifications', arguments: { ms: 30_000, bytes: 1_000, perSecond: 20_000 } };
  await session.call('tools/call', flood);
  for (const wait of [4_000, 12_000, 14_000]) {
    await sleep(wait);
    samples.push(rss(b.pid));
  }
  socket.destroy();
  await sleep(2_000);
  return `GET never read, 20,000 notifications/s of 1 KB: RSS ${samples.join(' → ')} MB at 0/4/16/30 s, ${rss(b.pid)} MB 2 s after the socket closed`;
}

async function d2(b: Running): Promise<string> {
  const session = await openRawSession(b.url);
  const deep = `{"d":${'['.repeat(5_000)}${']'.repeat(5_000)}}`;
  const statuses: number[] = [];
  for (let i = 0; i < 5; i++) {
    const body = `{"jsonrpc":"2.0","id":${i},"method":"tools/call","params":{"name":"echo","arguments":${deep}}}`;
    const answer = await fetch(b.url, { method: 'POST', headers: sessionHeaders(session.id), body });
    statuses.push(answer.status);
    await answer.text();
  }
  const status = (await (await fetch(`${b.admin}/status`)).json()) as { shared?: { inflight: number } };
  return `5 calls with params nested 5,000 deep: HTTP ${statuses.join(', ')}; in flight afterwards: ${status.shared?.inflight}`;
}

async function d3(b: Running): Promise<string> {
  const session = await openRawSession(b.url);
  const port = new URL(b.admin).port;
  const get = (path: string, headers: Record<string, string>) => rawHttp(`${b.admin}${path}`, { headers });
  const foreign = await get('/status', { host: `evil.example:${port}` });
  const origin = await get('/status', { host: `127.0.0.1:${port}`, origin: 'http://evil.example' });
  const metrics = await get('/metrics', { host: `evil.example:${port}` });
  const own = await get('/status', { host: `127.0.0.1:${port}` });
  return (
    `admin /status with Host evil.example: ${foreign.status} (session id in it: ${foreign.body.includes(session.id)}); ` +
    `with an Origin: ${origin.status}; /metrics with Host evil.example: ${metrics.status}; ` +
    `loopback /status shows a usable session id: ${own.body.includes(session.id)}`
  );
}

async function d4(b: Running): Promise<string> {
  for (let i = 0; i < 3; i++) {
    const session = await openRawSession(b.url);
    const gone = new AbortController();
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'hang' } });
    const call = fetch(b.url, { method: 'POST', headers: sessionHeaders(session.id), body, signal: gone.signal });
    call.catch(() => undefined);
    setTimeout(() => gone.abort(), 200);
  }
  await sleep(300);
  const started = Date.now();
  let status = 0;
  while (Date.now() - started < 10_000 && status !== 200) {
    const answer = await fetch(b.url, {
      method: 'POST',
      headers: MCP_HEADERS,
      body: JSON.stringify(initializeRequest()),
    });
    status = answer.status;
    await answer.text();
    if (status !== 200) await sleep(250);
  }
  const waited = status === 200 ? `200 after ${Date.now() - started} ms` : `still ${status} after 10 s`;
  return `3 abandoned hung calls with --max-sessions 3: a new initialize gets ${waited}`;
}

async function d5(b: Running): Promise<string> {
  const session = await openRawSession(b.url);
  const [lines, memory, cpuBefore] = [b.output().split('\n').length, rss(b.pid), cpu(b.pid)];
  let peak = memory;
  let done = false;
  const flooding = session.call('tools/call', { name: 'flood_stdout', arguments: { ms: 10_000 } });
  void flooding.finally(() => (done = true));
  while (!done) {
    await sleep(200);
    peak = Math.max(peak, rss(b.pid));
  }
  const written = /wrote (\d+)/.exec(JSON.stringify((await flooding).result))?.[1];
  const used = (cpu(b.pid) - cpuBefore).toFixed(1);
  await sleep(6_000);
  const logged = b.output().split('\n').length - lines;
  return `10 s stdout flood (${written} lines): ${logged} log lines, ${used} CPU-s, RSS ${memory} → peak ${peak} MB`;
}

async function d6(b: Running): Promise<string> {
  const { hostname, port, host } = new URL(b.url);
  const sockets = await Promise.all(
    Array.from(
      { length: 200 },
      () =>
        new Promise<Socket>((resolve) => {
          const socket = connect(Number(port), hostname, () => resolve(socket));
          socket.on('error', () => undefined);
        }),
    ),
  );
  const started = Date.now();
  const closedAt: number[] = [];
  for (const socket of sockets)
    socket.on('data', () => undefined).on('close', () => closedAt.push(Date.now() - started));
  const request = `POST /mcp HTTP/1.1\r\nHost: ${host}\r\nX-Slow: ${'a'.repeat(200)}`;
  let sent = 0;
  const trickle = setInterval(() => {
    for (const socket of sockets) if (!socket.destroyed) socket.write(request[sent] ?? 'a');
    sent++;
  }, 1_000);
  await sleep(12_000);
  clearInterval(trickle);
  for (const socket of sockets) socket.destroy();
  const last = closedAt.length > 0 ? `; the last was closed at ${(Math.max(...closedAt) / 1000).toFixed(1)} s` : '';
  return `200 connections trickling a byte a second: ${200 - closedAt.length} still open after 12 s${last}`;
}

async function d7(b: Running): Promise<string> {
  const header = join(tmpdir(), `mcp-sidecar-big-header-${process.pid}`);
  writeFileSync(header, `X-Big: ${'b'.repeat(100_000)}`);
  const curl = (): string => {
    try {
      const args = ['-sS', '-o', '/dev/null', '-w', '%{http_code}', '-m', '5', '-H', `@${header}`, '-d', '{}', b.url];
      return execFileSync('curl', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (error) {
      return String((error as { stderr?: string }).stderr).trim();
    }
  };
  const big = [curl(), curl(), curl()].join(' | ');
  const id = 'z'.repeat(10_000);
  const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' });
  const notFound = await (
    await fetch(b.url, { method: 'POST', headers: { ...MCP_HEADERS, 'mcp-session-id': id }, body })
  ).text();
  const session = await openRawSession(b.url);
  const prefix = '{"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":"echo","arguments":{"message":"';
  const invalid = Buffer.concat([Buffer.from(prefix), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('"}}}')]);
  const utf8 = await fetch(b.url, { method: 'POST', headers: sessionHeaders(session.id), body: invalid });
  return (
    `100 KB header (curl ×3): ${big}; 10 KB Mcp-Session-Id: a ${notFound.length}-byte 404 ` +
    `(id echoed whole: ${notFound.includes(id)}); invalid UTF-8: ${utf8.status} ${(await utf8.text()).slice(0, 70)}…`
  );
}

const DEFECTS: Record<string, { args?: string[]; run: (bridge: Running) => Promise<string> }> = {
  d1: { run: d1 },
  d2: { run: d2 },
  d3: { run: d3 },
  d4: {
    args: [
      '--max-sessions',
      '3',
      '--session-idle-timeout',
      '2s',
      ...(process.env.D4_ARGS ?? '').split(' ').filter(Boolean),
    ],
    run: d4,
  },
  d5: { run: d5 },
  d6: { run: d6 },
  d7: { run: d7 },
};

for (const [name, defect] of Object.entries(DEFECTS)) {
  if (only && !only.split(',').includes(name)) continue;
  const bridge = await start(defect.args);
  try {
    process.stdout.write(`${name}: ${await defect.run(bridge)}\n`);
  } finally {
    bridge.kill();
  }
}
process.exit(0);
