// The one stdio MCP server every bridge under test fronts. Raw newline-delimited JSON-RPC on stdin/stdout, no SDK:
// the server must cost next to nothing so the benchmark measures the bridges, not the upstream.
// Extra argv (the runner passes `--bench-run <id>`) is ignored; it only lets the runner find strays by cmdline.
import { createInterface } from 'node:readline';

import { type Message, reply } from './echo-answers.ts';

function handleLine(line: string): void {
  if (line.trim() === '') return;
  let message: Message;
  try {
    message = JSON.parse(line) as Message;
  } catch {
    process.stderr.write(`echo-server: skipping non-JSON line\n`);
    return;
  }
  const out = reply(message);
  if (out !== undefined) process.stdout.write(out + '\n');
}

const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
lines.on('line', handleLine);
// EOF on stdin is the MCP stdio shutdown signal: exit promptly so no bridge leaves us behind.
lines.on('close', () => process.exit(0));
