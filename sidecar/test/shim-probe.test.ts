// mcp-shim --probe: the exec probe the injector gives the bridge (webhook/README.md, "Behind a service mesh").
// The built static binary against real TCP servers on 127.0.0.1 and [::1] in this process: what it sends on the
// wire, which answers pass (2xx only), the one stderr line of each failure, the deadline, and strict usage (exit 2).

import { execFile } from 'node:child_process';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import { once } from 'node:events';

import { afterEach, describe, expect, test } from 'vitest';

import { shimBin } from './shim-support.ts';

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

/** Runs the shim without blocking the event loop (the servers below live in this process). */
function shim(args: string[]): Promise<Run> {
  const started = performance.now();
  return new Promise((resolve) => {
    execFile(shimBin, args, { encoding: 'utf8', timeout: 10_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
      resolve({ code, stdout, stderr, ms: performance.now() - started });
    });
  });
}

const servers: Server[] = [];
const sockets = new Set<Socket>();

afterEach(async () => {
  for (const socket of sockets) socket.destroy();
  sockets.clear();
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

async function listen(server: Server, host = '127.0.0.1'): Promise<number> {
  servers.push(server);
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  server.listen(0, host);
  await once(server, 'listening');
  return (server.address() as { port: number }).port;
}

/** An HTTP server answering every request with `status` and `body`; records the requests it got. */
async function httpServer(status: number, body = '', host = '127.0.0.1') {
  const requests: IncomingMessage[] = [];
  const server = createHttpServer((request: IncomingMessage, response: ServerResponse) => {
    requests.push(request);
    response.writeHead(status, { 'content-type': 'application/json' }).end(body);
  });
  const port = await listen(server, host);
  return { port, requests };
}

/** A raw TCP server: `onData` sees the bytes the shim sent and may answer (or not) on the socket. */
async function rawServer(onData: (socket: Socket, received: string) => void) {
  const server = createServer((socket) => {
    let received = '';
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1');
      if (received.includes('\r\n\r\n')) onData(socket, received);
    });
    socket.on('error', () => {});
  });
  return listen(server);
}

const ipv6Loopback = await new Promise<boolean>((resolve) => {
  const probe = createServer();
  probe.once('error', () => resolve(false));
  probe.listen(0, '::1', () => probe.close(() => resolve(true)));
});

describe('mcp-shim --probe: the answer decides the exit code', () => {
  test('a 200 exits 0 and prints nothing', async () => {
    const { port } = await httpServer(200, '{"ready":true}');
    expect(await shim(['--probe', `http://127.0.0.1:${port}/readyz`])).toMatchObject({
      code: 0,
      stdout: '',
      stderr: '',
    });
  });

  test.each([204, 299])('any 2xx passes (%i)', async (status) => {
    const { port } = await httpServer(status);
    expect((await shim(['--probe', `http://127.0.0.1:${port}/`])).code).toBe(0);
  });

  test('a 503 exits 1 with one line: the URL, the status and the head of the body on one line', async () => {
    const { port } = await httpServer(503, '{"ready":false,\n  "reason":"upstream not initialized"}');
    const url = `http://127.0.0.1:${port}/readyz`;
    const run = await shim(['--probe', url]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(`mcp-shim: probe ${url}: HTTP 503 {"ready":false, "reason":"upstream not initialized"}\n`);
  });

  test.each([301, 404, 500])('a %i is a failure (only 2xx passes, unlike an httpGet probe for 3xx)', async (status) => {
    const { port } = await httpServer(status);
    const run = await shim(['--probe', `http://127.0.0.1:${port}/livez`]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(new RegExp(`^mcp-shim: probe http://127\\.0\\.0\\.1:${port}/livez: HTTP ${status}\\n$`));
  });

  test('sends one GET with Host and Connection: close, and the path exactly as given', async () => {
    let request = '';
    const port = await rawServer((socket, received) => {
      request = received;
      socket.end('HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n');
    });
    const run = await shim(['--probe', `http://127.0.0.1:${port}/readyz?verbose=1&x=%2F`]);
    expect(run.code).toBe(0);
    expect(request).toBe(
      `GET /readyz?verbose=1&x=%2F HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUser-Agent: mcp-shim-probe\r\n` +
        'Connection: close\r\n\r\n',
    );
  });

  test('a URL without a path asks for /', async () => {
    const { port, requests } = await httpServer(200);
    expect((await shim(['--probe', `http://127.0.0.1:${port}`])).code).toBe(0);
    expect(requests.map((r) => r.url)).toEqual(['/']);
  });

  test.skipIf(!ipv6Loopback)('[::1] works, with the bracketed Host header', async () => {
    const { port, requests } = await httpServer(200, '', '::1');
    expect((await shim(['--probe', `http://[::1]:${port}/livez`])).code).toBe(0);
    expect(requests[0]?.headers.host).toBe(`[::1]:${port}`);
  });

  test('a large answer is judged by its status line without reading it all', async () => {
    const { port } = await httpServer(200, 'x'.repeat(1 << 20));
    const run = await shim(['--probe', `http://127.0.0.1:${port}/metrics`]);
    expect(run).toMatchObject({ code: 0, stderr: '' });
  });
});

describe('mcp-shim --probe: failures before an answer', () => {
  test('nothing listening: exit 1 with the connect error', async () => {
    const port = await listen(createServer());
    await new Promise((resolve) => servers.pop()!.close(resolve)); // a port that was just free
    const run = await shim(['--probe', `http://127.0.0.1:${port}/livez`]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(`mcp-shim: probe http://127.0.0.1:${port}/livez: Connection refused\n`);
  });

  test('a server that never answers: exit 1 once --timeout has passed, not before', async () => {
    const port = await rawServer(() => {}); // reads the request, says nothing
    const run = await shim(['--probe', `http://127.0.0.1:${port}/readyz`, '--timeout', '0.4']);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(`mcp-shim: probe http://127.0.0.1:${port}/readyz: no answer within 0.4s (--timeout)\n`);
    expect(run.ms).toBeGreaterThanOrEqual(390);
    expect(run.ms).toBeLessThan(3000);
  });

  test('a status line that arrives before the deadline counts even if the body never ends', async () => {
    const port = await rawServer((socket) => socket.write('HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n{"ok'));
    const run = await shim(['--probe', `http://127.0.0.1:${port}/livez`, '--timeout=0.3']);
    expect(run).toMatchObject({ code: 0, stderr: '' });
  });

  test('a close without an answer, and an answer that is not HTTP, are failures named as such', async () => {
    const closes = await rawServer((socket) => socket.end());
    const closed = await shim(['--probe', `http://127.0.0.1:${closes}/`]);
    expect(closed.code).toBe(1);
    expect(closed.stderr).toBe(
      `mcp-shim: probe http://127.0.0.1:${closes}/: the connection closed without an answer\n`,
    );
    const garbage = await rawServer((socket) => socket.end('SSH-2.0-OpenSSH_9.6\r\n'));
    const notHttp = await shim(['--probe', `http://127.0.0.1:${garbage}/`]);
    expect(notHttp.code).toBe(1);
    expect(notHttp.stderr).toBe(
      `mcp-shim: probe http://127.0.0.1:${garbage}/: the answer does not start with an HTTP/1.x status line\n`,
    );
  });
});

describe('mcp-shim --probe: usage', () => {
  const hint = 'use http://127.0.0.1:PORT/PATH or http://[::1]:PORT/PATH, e.g. http://127.0.0.1:8081/readyz';
  const usage = 'usage: mcp-shim --probe http://127.0.0.1:8081/readyz [--timeout 1]';

  test.each([
    [
      ['--probe', 'http://localhost:8081/readyz'],
      `--probe "http://localhost:8081/readyz" is not a loopback http URL; ${hint}`,
    ],
    [
      ['--probe', 'http://10.0.0.7:8081/readyz'],
      `--probe "http://10.0.0.7:8081/readyz" is not a loopback http URL; ${hint}`,
    ],
    [['--probe', 'https://127.0.0.1:8081/'], `--probe "https://127.0.0.1:8081/" is not a loopback http URL; ${hint}`],
    [['--probe', 'http://127.0.0.1/readyz'], `--probe "http://127.0.0.1/readyz" needs a port from 1 to 65535; ${hint}`],
    [['--probe', 'http://127.0.0.1:0/'], `--probe "http://127.0.0.1:0/" needs a port from 1 to 65535; ${hint}`],
    [['--probe', 'http://127.0.0.1:65536/'], `--probe "http://127.0.0.1:65536/" needs a port from 1 to 65535; ${hint}`],
    [['--probe', 'http://127.0.0.1:80x/'], `--probe "http://127.0.0.1:80x/" needs a port from 1 to 65535; ${hint}`],
    [['--probe', 'http://127.0.0.10:8081/'], `--probe "http://127.0.0.10:8081/" is not a loopback http URL; ${hint}`],
    [
      ['--probe', 'http://127.0.0.1:8081/a\r\nX-Injected: 1'],
      '--probe "http://127.0.0.1:8081/a\r\nX-Injected: 1": the path may hold printable characters only, without spaces',
    ],
    [
      ['--probe', `http://127.0.0.1:8081/${'a'.repeat(1024)}`],
      "--probe: the URL's path is longer than 1024 bytes; use a shorter one",
    ],
    [['--probe'], '--probe needs a value; see mcp-shim --help'],
    [
      ['--probe', 'http://127.0.0.1:8081/', '--timeout', '0'],
      '--timeout "0" is not valid; use a number of seconds such as 1',
    ],
    [
      ['--probe', 'http://127.0.0.1:8081/', '--timeout', '-1'],
      '--timeout "-1" is not valid; use a number of seconds such as 1',
    ],
    [
      ['--probe', 'http://127.0.0.1:8081/', '--timeout', '2s'],
      '--timeout "2s" is not valid; use a number of seconds such as 1',
    ],
    [['--timeout', '1'], `--timeout applies only to --probe; ${usage}`],
    [
      ['--probe', 'http://127.0.0.1:8081/', '--listen', '/tmp/x.sock'],
      `--probe takes only a URL and --timeout; ${usage}`,
    ],
    [['--probe', 'http://127.0.0.1:8081/', '--pty'], `--probe takes only a URL and --timeout; ${usage}`],
    [['--probe', 'http://127.0.0.1:8081/', '--grace', '1'], `--probe takes only a URL and --timeout; ${usage}`],
    [['--probe', 'http://127.0.0.1:8081/', '--install', '/tmp/x'], `--probe takes only a URL and --timeout; ${usage}`],
    [['--probe', 'http://127.0.0.1:8081/', '--', 'true'], `--probe takes only a URL and --timeout; ${usage}`],
    [['--probe', ''], `--probe takes only a URL and --timeout; ${usage}`],
    [['--probe', 'http://127.0.0.1:8081/', 'extra'], 'unexpected argument "extra"; put "--" before the server command'],
  ])('%j exits 2 with one line naming the problem', async (args, message) => {
    const run = await shim(args);
    expect(run).toMatchObject({ code: 2, stdout: '', stderr: `mcp-shim: ${message}\n` });
  });

  test('--help documents --probe and --timeout', async () => {
    const run = await shim(['--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('mcp-shim --probe <url> [--timeout SECONDS]');
    expect(run.stdout).toMatch(
      /--probe URL +GET URL \(http:\/\/127\.0\.0\.1:PORT\/PATH or http:\/\/\[::1\]:PORT\/PATH\)/,
    );
    expect(run.stdout).toMatch(
      /--timeout SECONDS +--probe: time for connect, request and answer together \(default 1\)/,
    );
  });
});
