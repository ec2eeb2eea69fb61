// The ceiling: bare node:http answering every POST with a fixed, small JSON-RPC result and no upstream.
// It reads the body and echoes the request id (one JSON.parse of ~150 bytes) so its answers stay valid JSON-RPC
// for the session set-up round trips; everything else a bridge does (sessions, routing, stdio) is absent.
// Usage: node test/bench/bare-server.ts --host 127.0.0.1 --port P
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: { host: { type: 'string', default: '127.0.0.1' }, port: { type: 'string', default: '8080' } },
  strict: false,
});

const RESULT = '{"content":[{"type":"text","text":"hello"}]}';

function idOf(body: string): string {
  try {
    const id = (JSON.parse(body) as { id?: unknown }).id;
    return typeof id === 'number' || typeof id === 'string' ? JSON.stringify(id) : 'null';
  } catch {
    return 'null';
  }
}

const server = createServer((req, res) => {
  if (req.method !== 'POST') {
    res.writeHead(405, { Allow: 'POST' }).end();
    return;
  }
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (chunk: string) => (body += chunk));
  req.on('end', () => {
    const payload = `{"jsonrpc":"2.0","id":${idOf(body)},"result":${RESULT}}`;
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) });
    res.end(payload);
  });
});

server.listen(Number(values.port), String(values.host));

// Nothing to flush: exit at once instead of waiting for keep-alive connections to drain.
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => process.exit(0));
// The runner holds our stdin open; EOF means it is gone, so we go too.
process.stdin.on('end', () => process.exit(0)).resume();
