// --tls-cert/--tls-key: the server picks up replaced files without a restart, keeps existing connections, and never
// swaps in a pair that does not load (the window between writing the certificate and writing its key).

import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { injectorConfig } from '../src/core/config.ts';
import { startInjector, type RunningInjector } from '../src/serve.ts';
import { createLogger } from '../src/server/logger.ts';
import { generateCa, issueServingCert, type KeyPair } from '../src/tls/certs.ts';
import { admissionReview } from './helpers/admission.ts';
import { eventually, fingerprintOf, logCapture, send, servedFingerprint } from './helpers/https.ts';

const dir = mkdtempSync(join(tmpdir(), 'mcp-injector-tls-'));
const certFile = join(dir, 'tls.crt');
const keyFile = join(dir, 'tls.key');
const names = { dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] };

/** Replaces a file the way the kubelet does: write elsewhere, then rename over it. */
function replace(file: string, content: string): void {
  writeFileSync(`${file}.tmp`, content);
  renameSync(`${file}.tmp`, file);
}

let ca: KeyPair;
let first: KeyPair;
let injector: RunningInjector;
const logs = logCapture();

beforeAll(async () => {
  ca = await generateCa('test CA');
  first = await issueServingCert(ca, names);
  writeFileSync(certFile, first.cert);
  writeFileSync(keyFile, first.key);
  injector = await startInjector(
    {
      host: '127.0.0.1',
      port: 0,
      adminPort: 0,
      tls: { kind: 'files', certFile, keyFile },
      tlsPollMs: 200,
      logLevel: 'info',
      config: injectorConfig(),
    },
    { logger: createLogger('info', logs) },
  );
});

afterAll(async () => {
  await injector.close();
  rmSync(dir, { recursive: true, force: true });
});

const review = JSON.stringify(admissionReview({ metadata: {}, spec: { containers: [{ name: 'a', image: 'i' }] } }));

describe('certificate files hot reload', () => {
  it('serves the new certificate after the files change, without a restart or dropped connections', async () => {
    expect(await servedFingerprint(injector.webhookUrl, ca.cert)).toBe(fingerprintOf(first.cert));
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    expect((await send(injector.webhookUrl, review, { ca: ca.cert, agent })).status).toBe(200);

    const second = await issueServingCert(ca, names);
    replace(certFile, second.cert); // for a moment the certificate and the key do not match
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await servedFingerprint(injector.webhookUrl, ca.cert)).toBe(fingerprintOf(first.cert));
    replace(keyFile, second.key);
    await eventually(
      async () => (await servedFingerprint(injector.webhookUrl, ca.cert)) === fingerprintOf(second.cert),
    );

    const reused = await send(injector.webhookUrl, review, { ca: ca.cert, agent });
    expect(reused).toMatchObject({ status: 200, reusedSocket: true });
    agent.destroy();
    const metrics = (await send(`${injector.adminUrl}/metrics`, undefined)).body;
    expect(metrics).toMatch(/^mcp_injector_tls_reloads_total\{result="success"\} 1$/m);
    expect(metrics).toMatch(/^mcp_injector_tls_reloads_total\{result="failure"\} [1-9]/m);
    expect(logs.lines.some((line) => line.msg === 'serving a new certificate')).toBe(true);
  });

  it('keeps serving the current certificate when the new files are garbage', async () => {
    const before = await servedFingerprint(injector.webhookUrl, ca.cert);
    replace(certFile, 'not a certificate');
    await injector.checkTls();
    expect(await servedFingerprint(injector.webhookUrl, ca.cert)).toBe(before);
    expect((await send(`${injector.adminUrl}/readyz`, undefined)).status).toBe(200);
  });
});
