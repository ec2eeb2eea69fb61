// The echo server over Streamable HTTP: the same answers as echo-server.ts (echo-answers.ts), as one
// application/json body per request, a session id from initialize, 202 for notifications, DELETE accepted, GET 405
// (no standalone stream). Bare node:http, so the benchmark measures what sits in front of it.
//
//   node test/bench/http-echo-server.ts --port P                      # the server alone (the "direct" row)
//   node test/bench/http-echo-server.ts -- <front command ...>        # on a free port, with a front in front of it
//
// With a front command, `{UPSTREAM}` in its arguments becomes this server's URL; the front runs as a child and
// this process exits when it does, so the pair is one process tree for the runner to measure and stop.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

import { type Message, reply } from './echo-answers.ts';

const split = process.argv.indexOf('--');
const own = split === -1 ? process.argv.slice(2) : process.argv.slice(2, split);
const front = split === -1 ? [] : process.argv.slice(split + 1);
const portArg = own.indexOf('--port');
const port = portArg === -1 ? 0 : Number(own[portArg + 1]);

const server = createServer((req, res) => {
  if (req.method === 'DELETE') return void res.writeHead(200).end();
  if (req.method !== 'POST') return void res.writeHead(405, { allow: 'POST, DELETE' }).end();
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (chunk: string) => (body += chunk));
  req.on('end', () => {
    let message: Message;
    try {
      message = JSON.parse(body) as Message;
    } catch {
      return void res.writeHead(400).end();
    }
    const answer = reply(message);
    if (answer === undefined) return void res.writeHead(202).end();
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (message.method === 'initialize') headers['mcp-session-id'] = randomUUID();
    res.writeHead(200, headers).end(answer);
  });
});

server.listen(port, '127.0.0.1', () => {
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
  if (front.length === 0) return;
  const [command, ...args] = front.map((arg) => arg.replaceAll('{UPSTREAM}', url));
  const child = spawn(command!, args, { stdio: 'inherit' });
  child.once('exit', (code) => process.exit(code ?? 1));
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => child.kill(signal));
});
