// HTTPS requests that trust only a given CA (as the API server trusts only the webhook's caBundle), plus a capture
// stream for pino so tests can read the log lines.

import { X509Certificate } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { type Agent, request as httpsRequest } from 'node:https';
import { connect } from 'node:tls';

export interface Reply {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
  readonly reusedSocket: boolean;
}

export interface PostOptions {
  readonly ca?: string;
  readonly contentType?: string;
  readonly method?: string;
  readonly agent?: Agent;
  /** TLS server name to verify, when the certificate does not name the address connected to. */
  readonly servername?: string;
}

export function send(url: string, body: string | undefined, options: PostOptions = {}): Promise<Reply> {
  const target = new URL(url);
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
  const requester = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = requester(
      target,
      {
        method: options.method ?? (body === undefined ? 'GET' : 'POST'),
        headers,
        ca: options.ca,
        agent: options.agent,
        ...(options.servername ? { servername: options.servername } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
            reusedSocket: req.reusedSocket,
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** SHA-256 fingerprint of the certificate a fresh TLS connection to `url` is served. */
export function servedFingerprint(url: string, ca: string, servername = 'localhost'): Promise<string> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: target.hostname, port: Number(target.port), ca, servername }, () => {
      resolve(socket.getPeerCertificate().fingerprint256);
      socket.end();
    });
    socket.on('error', reject);
  });
}

export const fingerprintOf = (certPem: string): string => new X509Certificate(certPem).fingerprint256;

/** A pino destination that keeps the parsed JSON lines. */
export function logCapture(): { write(line: string): void; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  return { lines, write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) };
}

/** Polls `condition` until it holds or `timeoutMs` passes. */
export async function eventually(condition: () => Promise<boolean> | boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`condition not met within ${timeoutMs} ms`);
}
