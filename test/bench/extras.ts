// What the feature rows need besides the echo server: a self-signed certificate for `sidecar-tls` (made with the
// openssl CLI, no shell) and a local OTLP/HTTP sink for `sidecar-traced`, which answers every export with 200 and
// discards it. The sink runs in the runner's process, so decoding costs nobody and the target's CPU figure is the
// bridge's own tracing work (span creation, batching, protobuf encoding, the HTTP export).
import { execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

/** Where each traced row's spans arrive at the sink: the standard path, and one of its own for `bare-traced`. */
export const TRACES_PATH = { 'sidecar-traced': '/v1/traces', 'bare-traced': '/bare/v1/traces' } as const;

export type BenchExtras = {
  readonly tls: { readonly cert: string; readonly key: string };
  readonly otlpEndpoint: string;
  /** Span export requests the sink received on a path (to show a traced row really exported). */
  exports(path: string): number;
  close(): Promise<void>;
};

function selfSigned(dir: string): { cert: string; key: string } {
  const files = { cert: join(dir, 'bench-tls.crt'), key: join(dir, 'bench-tls.key') };
  execFileSync('openssl', ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', files.key], {
    stdio: 'pipe',
  });
  execFileSync(
    'openssl',
    ['req', '-x509', '-new', '-key', files.key, '-subj', '/CN=127.0.0.1', '-days', '1', '-out', files.cert].concat([
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ]),
    { stdio: 'pipe' },
  );
  return files;
}

export async function startExtras(dir: string): Promise<BenchExtras> {
  const exports = new Map<string, number>();
  const sink: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const path = req.url ?? '';
      exports.set(path, (exports.get(path) ?? 0) + 1);
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
  return {
    tls: selfSigned(dir),
    otlpEndpoint: `http://127.0.0.1:${(sink.address() as AddressInfo).port}`,
    exports: (path) => exports.get(path) ?? 0,
    close: () => new Promise<void>((resolve) => sink.close(() => resolve())),
  };
}
