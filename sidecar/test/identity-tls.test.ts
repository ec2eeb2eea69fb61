// TLS on the MCP port with a CA and client certificates made here: the official SDK client presents a certificate
// with a SPIFFE URI SAN and the server sees that identity, per caller, in params._meta (shared and per-session
// mode); --tls-client-auth require refuses a client without one at the handshake; rotating the files serves the new
// certificate to new connections while an open SSE stream carries on; a bad pair stops the start with exit 2.

import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { copyFileSync, readFileSync } from 'node:fs';
import { connect as tlsConnect } from 'node:tls';

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import type { Bridge } from '../src/bridge.ts';
import { type CertFiles, makeCa, makeCert } from '../../test/helpers/certs.ts';
import {
  BRIDGE_MAIN,
  fixtureCommand,
  NODE,
  REPO_ROOT,
  startInProcess,
  waitFor,
} from '../../test/helpers/bridge-process.ts';
import { initializeRequest, MCP_HEADERS, readAnswer } from '../../test/helpers/mcp-http.ts';
import { Closer, makeTempDir, textOf } from '../../test/helpers/sdk-clients.ts';
import { SseReader } from '../../test/helpers/sse-stream.ts';
import { connectV1Tls, tlsFetch } from '../../test/helpers/tls-clients.ts';

const META_ECHO = fixtureCommand('meta-echo-server.ts');
const PEER = 'io.mcp-sidecar/peer';
const spiffeOf = (name: string) => `spiffe://test.local/ns/agents/sa/${name}`;

let dir: { path: string; remove(): Promise<void> };
let ca: CertFiles;
let server: CertFiles;
const clients: Record<'alice' | 'bob', CertFiles> = {} as never;
const closer = new Closer();

beforeAll(async () => {
  dir = await makeTempDir('tls');
  ca = makeCa(dir.path);
  server = makeCert(dir.path, ca, {
    name: 'server',
    subject: '/CN=bridge',
    sans: ['IP:127.0.0.1', 'DNS:localhost'],
    usage: 'server',
  });
  for (const name of ['alice', 'bob'] as const) {
    const sans = [`URI:${spiffeOf(name)}`, `DNS:${name}.agents.svc`];
    clients[name] = makeCert(dir.path, ca, { name, subject: `/O=agents/CN=${name}`, sans, usage: 'client' });
  }
});
afterEach(() => closer.closeAll());
afterAll(() => dir.remove());

const hashOf = (files: CertFiles) =>
  new X509Certificate(readFileSync(files.cert)).fingerprint256.replaceAll(':', '').toLowerCase();

async function startTls(overrides: Parameters<typeof startInProcess>[0] = {}): Promise<Bridge> {
  const config = { tlsCert: server.cert, tlsKey: server.key, tlsClientCa: ca.cert, tlsClientAuth: 'optional' as const };
  const bridge = await startInProcess({ shutdownGrace: 100, ...config, ...overrides }, META_ECHO);
  return closer.add(bridge, (b) => b.close());
}

async function peerSeenBy(client: Awaited<ReturnType<typeof connectV1Tls>>): Promise<Record<string, unknown>> {
  const meta = JSON.parse(textOf(await client.callTool({ name: 'whoami', arguments: {} }))) as Record<string, unknown>;
  return meta[PEER] as Record<string, unknown>;
}

describe.each(['shared', 'per-session'] as const)('TLS with client certificates (--session-mode %s)', (mode) => {
  it('SDK v1 clients present certificates; the server sees each caller in params._meta["io.mcp-sidecar/peer"]', async () => {
    const bridge = await startTls({ sessionMode: mode });
    expect(bridge.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/mcp$/);
    const alice = closer.add(await connectV1Tls(bridge.url, tlsFetch(ca.cert, clients.alice), 'alice'), (c) =>
      c.close(),
    );
    const bob = closer.add(await connectV1Tls(bridge.url, tlsFetch(ca.cert, clients.bob), 'bob'), (c) => c.close());
    const anonymous = closer.add(await connectV1Tls(bridge.url, tlsFetch(ca.cert)), (c) => c.close());
    // Concurrent calls: in shared mode they share one server process, yet each request names its own caller.
    const [seenAlice, seenBob, seenAnonymous] = await Promise.all([alice, bob, anonymous].map(peerSeenBy));
    expect(seenAlice).toEqual({
      source: 'certificate',
      spiffe: spiffeOf('alice'),
      subject: 'CN=alice,O=agents',
      dns: ['alice.agents.svc'],
      certHash: hashOf(clients.alice),
    });
    expect(seenBob).toMatchObject({ source: 'certificate', spiffe: spiffeOf('bob'), certHash: hashOf(clients.bob) });
    expect(seenAnonymous).toEqual({ source: 'anonymous' });
  });
});

describe('TLS', () => {
  it('replaces a peer object the client wrote itself, and refuses a session to another caller (404)', async () => {
    const bridge = await startTls();
    const alice = tlsFetch(ca.cert, clients.alice);
    const bob = tlsFetch(ca.cert, clients.bob);
    const opened = await alice.fetch(bridge.url, {
      method: 'POST',
      headers: MCP_HEADERS,
      body: JSON.stringify(initializeRequest()),
    });
    const session = opened.headers.get('mcp-session-id')!;
    await readAnswer(opened);
    const headers = { ...MCP_HEADERS, 'mcp-session-id': session, 'mcp-protocol-version': '2025-11-25' };
    const forged = { [PEER]: { source: 'certificate', spiffe: spiffeOf('admin') }, note: 'kept' };
    const body = {
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: { name: 'whoami', arguments: {}, _meta: forged },
    };
    const answer = await readAnswer(
      await alice.fetch(bridge.url, { method: 'POST', headers, body: JSON.stringify(body) }),
    );
    const meta = JSON.parse((answer.result!['content'] as { text: string }[])[0]!.text) as Record<string, unknown>;
    expect(meta['note']).toBe('kept');
    expect(meta[PEER]).toMatchObject({ spiffe: spiffeOf('alice') });
    const stolen = await bob.fetch(bridge.url, { method: 'POST', headers, body: JSON.stringify({ ...body, id: 2 }) });
    expect(stolen.status).toBe(404);
    const again = await alice.fetch(bridge.url, { method: 'POST', headers, body: JSON.stringify({ ...body, id: 3 }) });
    expect(again.status).toBe(200);
    await again.text();
  });

  it('--tls-client-auth require refuses a client without a certificate at the handshake', async () => {
    const bridge = await startTls({ tlsClientAuth: 'require' });
    const port = Number(new URL(bridge.url).port);
    // TLS 1.3: the server's certificate_required alert reaches the client on its first read after the handshake.
    await expect(handshake(port, undefined)).rejects.toMatchObject({
      code: 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED',
    });
    await expect(handshake(port, clients.alice)).resolves.toMatch(/^HTTP\/1\.1 400/);
    const init = { method: 'POST', headers: MCP_HEADERS, body: JSON.stringify(initializeRequest()) };
    const refused = await tlsFetch(ca.cert)
      .fetch(bridge.url, init)
      .then(
        (response) => `answered ${response.status}`,
        () => 'no answer',
      );
    expect(refused).toBe('no answer');
    const accepted = await tlsFetch(ca.cert, clients.alice).fetch(bridge.url, init);
    expect(accepted.status).toBe(200);
    await accepted.text();
  });

  it('rotated files reach new connections within 2 s while an open SSE stream survives', async () => {
    const live = { cert: `${dir.path}/live.crt`, key: `${dir.path}/live.key` };
    copyFileSync(server.cert, live.cert);
    copyFileSync(server.key, live.key);
    const bridge = await startTls({ tlsCert: live.cert, tlsKey: live.key, sseKeepalive: 200 });
    const alice = tlsFetch(ca.cert, clients.alice);
    const opened = await alice.fetch(bridge.url, {
      method: 'POST',
      headers: MCP_HEADERS,
      body: JSON.stringify(initializeRequest()),
    });
    const headers = {
      ...MCP_HEADERS,
      'mcp-session-id': opened.headers.get('mcp-session-id')!,
      accept: 'text/event-stream',
    };
    await opened.text();
    const controller = new AbortController();
    const response = await alice.fetch(bridge.url, { method: 'GET', headers, signal: controller.signal });
    const stream = new SseReader(response, () => controller.abort());
    const next = makeCert(dir.path, ca, {
      name: 'server-2',
      subject: '/CN=bridge-2',
      sans: ['IP:127.0.0.1'],
      usage: 'server',
    });
    const rotatedAt = Date.now();
    copyFileSync(next.key, live.key);
    copyFileSync(next.cert, live.cert);
    const port = Number(new URL(bridge.url).port);
    const served = await waitFor(
      async () => ((await servedSubject(port)) === 'CN=bridge-2' ? true : undefined),
      2_000,
      () => 'the new certificate was not served within 2 s',
    );
    expect(served && Date.now() - rotatedAt).toBeLessThan(2_000);
    // The stream opened before the rotation still carries keep-alives on its old connection.
    const after = Date.now();
    await stream.until((event) => event.comments.length > 0 && (event.at ?? 0) > after, 2_000);
    stream.disconnect();
  });
});

const tlsOptions = (port: number, client: CertFiles | undefined) => ({
  host: '127.0.0.1',
  port,
  ca: readFileSync(ca.cert),
  ...(client ? { cert: readFileSync(client.cert), key: readFileSync(client.key) } : {}),
});

/** The subject of the certificate a new connection is served. */
function servedSubject(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect(tlsOptions(port, clients.alice), () => {
      const subject = socket.getPeerX509Certificate()?.subject ?? '';
      socket.end();
      resolve(subject);
    });
    socket.once('error', reject);
  });
}

/** A raw TLS connection that sends a bad HTTP request: resolves with the first bytes of the answer, or rejects. */
function handshake(port: number, client: CertFiles | undefined): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect(tlsOptions(port, client), () => socket.write('BAD / HTTP/1.1\r\n\r\n'));
    socket.once('data', (chunk: Buffer) => {
      socket.destroy();
      resolve(chunk.toString('latin1'));
    });
    socket.once('error', reject);
    socket.once('end', () => reject(new Error('closed without an answer')));
  });
}

describe('start-up with unusable TLS files', () => {
  const run = (args: string[]) =>
    spawnSync(
      NODE,
      ['--conditions=mcp-sidecar-source', BRIDGE_MAIN, '--port', '0', '--admin-port', '0', ...args, '--', ...META_ECHO],
      {
        cwd: REPO_ROOT,
        encoding: 'utf8',
        timeout: 15_000,
      },
    );

  it('exits 2 with one line naming the flag and the file: a key from another pair, a missing file', () => {
    const mismatched = run(['--tls-cert', server.cert, '--tls-key', clients.alice.key]);
    expect(mismatched.status).toBe(2);
    expect(mismatched.stderr.trim().split('\n')).toEqual([
      `mcp-sidecar: --tls-key ${clients.alice.key} does not belong to --tls-cert ${server.cert}; give the key the certificate was issued for`,
    ]);
    const missing = run(['--tls-cert', `${dir.path}/nope.crt`, '--tls-key', server.key]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/^mcp-sidecar: --tls-cert .*nope\.crt: cannot read it/);
  });
});
