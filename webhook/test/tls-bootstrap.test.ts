// --bootstrap-tls against a FAKE kube-apiserver (helpers/fake-kube-apiserver.ts): Secret creation, the 409 race
// between replicas, caBundle patching and drift repair, hot reload when the Secret changes, renewal with the stored
// CA, and that only the named Secret and webhook configuration are ever touched (what RBAC resourceNames allows).

import { X509Certificate } from 'node:crypto';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import type { ServeOptions } from '../src/cli/parse.ts';
import { injectorConfig } from '../src/core/config.ts';
import { startInjector, type RunningInjector } from '../src/serve.ts';
import { createLogger } from '../src/server/logger.ts';
import { generateCa, issueServingCert, type KeyPair, serviceDnsNames } from '../src/tls/certs.ts';
import { admissionReview } from './helpers/admission.ts';
import { type FakeKubeApiServer, startFakeKubeApiServer, webhookConfig } from './helpers/fake-kube-apiserver.ts';
import { eventually, fingerprintOf, send, servedFingerprint } from './helpers/https.ts';

type Json = Record<string, unknown>;

const NAMESPACE = 'mcp-system';
const SERVICE_HOST = 'mcp-injector.mcp-system.svc';
const SECRET_KEY = `${NAMESPACE}/mcp-injector-tls`;
const b64 = (text: string) => Buffer.from(text).toString('base64');
const unb64 = (text: unknown) => Buffer.from(String(text), 'base64').toString('utf8');

let fake: FakeKubeApiServer;
const running: RunningInjector[] = [];

const options: ServeOptions = {
  host: '127.0.0.1',
  port: 0,
  adminPort: 0,
  tls: {
    kind: 'bootstrap',
    namespace: NAMESPACE,
    secretName: 'mcp-injector-tls',
    serviceName: 'mcp-injector',
    webhookConfigName: 'mcp-injector',
  },
  tlsPollMs: 200,
  logLevel: 'silent',
  config: injectorConfig(),
};

async function start(): Promise<RunningInjector> {
  const injector = await startInjector(options, { kubeConfig: fake.kubeConfig(), logger: createLogger('silent') });
  running.push(injector);
  return injector;
}

const storedSecret = () => fake.secrets.get(SECRET_KEY) as (Json & { data: Json; type: string }) | undefined;
const caBundles = () =>
  (
    (fake.webhookConfigs.get('mcp-injector') as { webhooks: { clientConfig: { caBundle?: string } }[] }).webhooks ?? []
  ).map((webhook) => webhook.clientConfig.caBundle);

async function secretFor(ca: KeyPair, dnsNames = serviceDnsNames('mcp-injector', NAMESPACE)): Promise<Json> {
  const serving = await issueServingCert(ca, { dnsNames });
  const data = {
    'ca.crt': b64(ca.cert),
    'ca.key': b64(ca.key),
    'tls.crt': b64(serving.cert),
    'tls.key': b64(serving.key),
  };
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'mcp-injector-tls', namespace: NAMESPACE, resourceVersion: '1' },
    type: 'kubernetes.io/tls',
    data,
  };
}

beforeEach(async () => {
  fake = await startFakeKubeApiServer();
  fake.webhookConfigs.set(
    'mcp-injector',
    webhookConfig('mcp-injector', ['pods.inject.mcp.io', 'pods-legacy.inject.mcp.io']),
  );
});

afterEach(async () => {
  await Promise.all(running.splice(0).map((injector) => injector.close()));
  await fake.close();
});

describe('--bootstrap-tls', () => {
  it('creates the Secret, patches every caBundle, and serves a certificate the API server would trust', async () => {
    const injector = await start();
    const secret = storedSecret();
    expect(secret?.type).toBe('kubernetes.io/tls');
    const caPem = unb64(secret?.data['ca.crt']);
    const leaf = new X509Certificate(unb64(secret?.data['tls.crt']));
    expect(leaf.subjectAltName).toBe(
      serviceDnsNames('mcp-injector', NAMESPACE)
        .map((name) => `DNS:${name}`)
        .join(', '),
    );
    expect(leaf.verify(new X509Certificate(caPem).publicKey)).toBe(true);
    expect(caBundles()).toEqual([b64(caPem), b64(caPem)]);
    // Trusting only the caBundle and checking the Service's DNS name, as the API server does.
    const body = JSON.stringify(admissionReview({ metadata: {}, spec: { containers: [{ name: 'a', image: 'i' }] } }));
    const reply = await send(injector.webhookUrl, body, { ca: unb64(caBundles()[0]), servername: SERVICE_HOST });
    expect(reply.status).toBe(200);
    expect(await servedFingerprint(injector.webhookUrl, caPem, SERVICE_HOST)).toBe(fingerprintOf(leaf.toString()));
  });

  it('touches only the named Secret and webhook configuration (RBAC resourceNames), with a JSON Patch', async () => {
    await start();
    const paths = new Set(fake.requests.map((r) => `${r.method} ${r.path}`));
    expect(paths).toEqual(
      new Set([
        `GET /api/v1/namespaces/${NAMESPACE}/secrets/mcp-injector-tls`,
        `POST /api/v1/namespaces/${NAMESPACE}/secrets`,
        'GET /apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/mcp-injector',
        'PATCH /apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/mcp-injector',
      ]),
    );
    expect(fake.requests.find((r) => r.method === 'PATCH')?.contentType).toBe('application/json-patch+json');
  });

  it('serves the winner of a create race (409 AlreadyExists) instead of its own certificate', async () => {
    const winner = await secretFor(await generateCa('winner CA'));
    fake.beforeCreateSecret = () => {
      fake.secrets.set(SECRET_KEY, winner); // another replica got there first
      return 409;
    };
    const injector = await start();
    const winnerCa = unb64((winner.data as Json)['ca.crt']);
    expect(storedSecret()).toBe(winner);
    expect(caBundles()).toEqual([b64(winnerCa), b64(winnerCa)]);
    expect(await servedFingerprint(injector.webhookUrl, winnerCa, SERVICE_HOST)).toBe(
      fingerprintOf(unb64((winner.data as Json)['tls.crt'])),
    );
  });

  it('two replicas starting together end up serving the same certificate', async () => {
    const [a, b] = await Promise.all([start(), start()]);
    const caPem = unb64(storedSecret()?.data['ca.crt']);
    const [fa, fb] = await Promise.all([
      servedFingerprint(a.webhookUrl, caPem, SERVICE_HOST),
      servedFingerprint(b.webhookUrl, caPem, SERVICE_HOST),
    ]);
    expect(fa).toBe(fb);
    expect(fake.requests.filter((r) => r.method === 'POST')).toHaveLength(2); // one won, one got 409
  });

  it('re-patches the caBundle when something resets it (drift)', async () => {
    const injector = await start();
    const good = caBundles()[0];
    const config = fake.webhookConfigs.get('mcp-injector') as { webhooks: { clientConfig: Json }[] };
    config.webhooks[1]!.clientConfig.caBundle = b64('a stale CA');
    await eventually(() => caBundles()[1] === good);
    const metrics = (await send(`${injector.adminUrl}/metrics`, undefined)).body;
    expect(metrics).toMatch(/^mcp_injector_ca_bundle_patches_total\{result="success"\} 2$/m);
    expect(metrics).toMatch(/^mcp_injector_ca_bundle_in_sync 1$/m);
  });

  it('serves a certificate another replica wrote to the Secret, without a restart', async () => {
    const injector = await start();
    const secret = storedSecret()!;
    const ca = { cert: unb64(secret.data['ca.crt']), key: unb64(secret.data['ca.key']) };
    const renewed = await issueServingCert(ca, { dnsNames: serviceDnsNames('mcp-injector', NAMESPACE) });
    fake.secrets.set(SECRET_KEY, {
      ...secret,
      data: { ...secret.data, 'tls.crt': b64(renewed.cert), 'tls.key': b64(renewed.key) },
    });
    await eventually(
      async () => (await servedFingerprint(injector.webhookUrl, ca.cert, SERVICE_HOST)) === fingerprintOf(renewed.cert),
    );
  });

  it('re-issues a certificate that lacks the Service names, keeping the stored CA (caBundle unchanged)', async () => {
    const ca = await generateCa('existing CA');
    const stale = await secretFor(ca, ['old-name.mcp-system.svc']);
    fake.secrets.set(SECRET_KEY, stale);
    await start();
    const secret = storedSecret()!;
    expect(unb64(secret.data['ca.crt'])).toBe(ca.cert);
    expect(secret.data['tls.crt']).not.toBe((stale.data as Json)['tls.crt']);
    expect(new X509Certificate(unb64(secret.data['tls.crt'])).subjectAltName).toContain(`DNS:${SERVICE_HOST}`);
    expect(fake.requests.some((r) => r.method === 'PUT')).toBe(true);
    expect(caBundles()).toEqual([b64(ca.cert), b64(ca.cert)]);
  });

  it('fills a pre-created empty Secret with an update, never a create (RBAC without the create verb)', async () => {
    const empty = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'mcp-injector-tls', namespace: NAMESPACE, resourceVersion: '7' },
      type: 'Opaque',
    };
    fake.secrets.set(SECRET_KEY, empty);
    const injector = await start();
    expect(fake.requests.some((r) => r.method === 'POST')).toBe(false);
    const secret = storedSecret()!;
    expect(secret.type).toBe('Opaque');
    const caPem = unb64(secret.data['ca.crt']);
    expect(await servedFingerprint(injector.webhookUrl, caPem, SERVICE_HOST)).toBe(
      fingerprintOf(unb64(secret.data['tls.crt'])),
    );
  });

  it('starts without the webhook configuration and patches it once it exists', async () => {
    fake.webhookConfigs.delete('mcp-injector');
    const injector = await start();
    expect((await send(`${injector.adminUrl}/metrics`, undefined)).body).toMatch(/^mcp_injector_ca_bundle_in_sync 0$/m);
    fake.webhookConfigs.set('mcp-injector', webhookConfig('mcp-injector', ['pods.inject.mcp.io']));
    const caPem = unb64(storedSecret()?.data['ca.crt']);
    await eventually(() => caBundles()[0] === b64(caPem));
  });
});
