// The ceiling: bare node:http answering every POST with a fixed, small JSON-RPC result and no upstream.
// It reads the body and echoes the request id (one JSON.parse of ~150 bytes) so its answers stay valid JSON-RPC
// for the session set-up round trips; everything else a bridge does (sessions, routing, stdio) is absent.
// With --tls-cert and --tls-key it serves the same over node:https: the `bare-tls` row, which shows what Node's own
// TLS costs a server that does nothing else, beside what it costs the bridge (`sidecar-tls`). With --trace-sdk it
// makes the OpenTelemetry SDK's spans for each call (`bare-traced`, sdk-spans.ts), beside `sidecar-traced`.
// Usage: node test/bench/bare-server.ts --host 127.0.0.1 --port P [--tls-cert F --tls-key F] [--trace-sdk]
import { readFileSync } from 'node:fs';
import { createServer, type RequestListener } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '8080' },
    'tls-cert': { type: 'string' },
    'tls-key': { type: 'string' },
    'trace-sdk': { type: 'boolean', default: false },
  },
  strict: false,
});

const RESULT = '{"content":[{"type":"text","text":"hello"}]}';

interface Call {
  /** The request id as JSON, or null. */
  readonly id: string;
  readonly method: string;
  readonly tool: string | undefined;
}

function callOf(body: string): Call {
  try {
    const { id, method, params } = JSON.parse(body) as { id?: unknown; method?: unknown; params?: { name?: unknown } };
    return {
      id: typeof id === 'number' || typeof id === 'string' ? JSON.stringify(id) : 'null',
      method: typeof method === 'string' ? method : '',
      tool: typeof params?.name === 'string' ? params.name : undefined,
    };
  } catch {
    return { id: 'null', method: '', tool: undefined };
  }
}

// --trace-sdk: the OpenTelemetry SDK's spans for every call (sdk-spans.ts), loaded only then.
const traced = values['trace-sdk'] === true ? (await import('./sdk-spans.ts')).sdkSpans() : undefined;

const answer: RequestListener = (req, res) => {
  if (req.method !== 'POST') {
    res.writeHead(405, { Allow: 'POST' }).end();
    return;
  }
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (chunk: string) => (body += chunk));
  req.on('end', () => {
    const call = callOf(body);
    const payload = `{"jsonrpc":"2.0","id":${call.id},"result":${RESULT}}`;
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) });
    res.end(payload);
    const { httpVersion, socket } = req;
    traced?.({ ...call, httpVersion, clientAddress: socket.remoteAddress, clientPort: socket.remotePort });
  });
};

const { 'tls-cert': cert, 'tls-key': key } = values;
const server =
  typeof cert === 'string' && typeof key === 'string'
    ? createHttpsServer({ cert: readFileSync(cert), key: readFileSync(key) }, answer)
    : createServer(answer);
server.listen(Number(values.port), String(values.host));

// Nothing to flush: exit at once instead of waiting for keep-alive connections to drain.
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => process.exit(0));
// The runner holds our stdin open; EOF means it is gone, so we go too.
process.stdin.on('end', () => process.exit(0)).resume();
