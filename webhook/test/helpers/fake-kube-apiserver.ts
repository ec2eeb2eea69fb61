// FAKE kube-apiserver for tests: a tiny in-process HTTP server implementing only the endpoints --bootstrap-tls uses
// (get/create/replace one Secret, get/JSON-patch one MutatingWebhookConfiguration), with resourceVersion conflicts
// (409), AlreadyExists (409), failing `test` ops (422) and a hook to stage races. It is not Kubernetes: it exists so
// the real @kubernetes/client-node calls can be exercised without a cluster. Every request is recorded.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { KubeConfig } from '@kubernetes/client-node';
import jsonpatch, { type Operation } from 'fast-json-patch';

type Json = Record<string, unknown>;

export interface FakeRequest {
  readonly method: string;
  readonly path: string;
  readonly contentType: string | undefined;
}

export interface FakeKubeApiServer {
  readonly url: string;
  /** `namespace/name` → Secret. */
  readonly secrets: Map<string, Json>;
  /** name → MutatingWebhookConfiguration. */
  readonly webhookConfigs: Map<string, Json>;
  readonly requests: FakeRequest[];
  /** Runs before a Secret create is applied; return a status code to answer with instead (e.g. 409 after staging a winner). */
  beforeCreateSecret?: (body: Json) => number | undefined;
  kubeConfig(): KubeConfig;
  close(): Promise<void>;
}

const SECRET = /^\/api\/v1\/namespaces\/([^/]+)\/secrets(?:\/([^/]+))?$/;
const MWC = /^\/apis\/admissionregistration\.k8s\.io\/v1\/mutatingwebhookconfigurations\/([^/]+)$/;

let version = 100;
const nextVersion = () => String((version += 1));

function status(res: ServerResponse, code: number, reason: string, message: string): void {
  res.writeHead(code, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason, message, code }));
}

function json(res: ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return chunks.length > 0 ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown) : undefined;
}

export async function startFakeKubeApiServer(): Promise<FakeKubeApiServer> {
  const fake: Omit<FakeKubeApiServer, 'url' | 'kubeConfig' | 'close'> = {
    secrets: new Map(),
    webhookConfigs: new Map(),
    requests: [],
  };
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://fake').pathname;
    fake.requests.push({ method: req.method ?? '', path, contentType: req.headers['content-type'] });
    route(fake as FakeKubeApiServer, req, res, path).catch((error: unknown) =>
      status(res, 500, 'InternalError', String(error)),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return Object.assign(fake, {
    url,
    kubeConfig: () => {
      const config = new KubeConfig();
      config.loadFromOptions({
        clusters: [{ name: 'fake', server: url, skipTLSVerify: true }],
        users: [{ name: 'tester', token: 'fake-token' }],
        contexts: [{ name: 'fake', cluster: 'fake', user: 'tester' }],
        currentContext: 'fake',
      });
      return config;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}

async function route(fake: FakeKubeApiServer, req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
  const secret = SECRET.exec(path);
  if (secret) return secretRoute(fake, req, res, secret[1] ?? '', secret[2]);
  const mwc = MWC.exec(path);
  if (mwc) return webhookConfigRoute(fake, req, res, mwc[1] ?? '');
  status(res, 404, 'NotFound', `the fake API server does not serve ${req.method ?? ''} ${path}`);
}

async function secretRoute(
  fake: FakeKubeApiServer,
  req: IncomingMessage,
  res: ServerResponse,
  namespace: string,
  name?: string,
) {
  const key = `${namespace}/${name ?? ''}`;
  if (req.method === 'GET' && name) {
    const stored = fake.secrets.get(key);
    return stored ? json(res, 200, stored) : status(res, 404, 'NotFound', `secrets "${name}" not found`);
  }
  const body = (await readJson(req)) as Json & { metadata: Json };
  if (req.method === 'POST' && !name) {
    const created = String(body.metadata.name);
    const override = fake.beforeCreateSecret?.(body);
    if (override) return status(res, override, 'AlreadyExists', `secrets "${created}" already exists`);
    if (fake.secrets.has(`${namespace}/${created}`))
      return status(res, 409, 'AlreadyExists', `secrets "${created}" already exists`);
    const stored = {
      ...body,
      metadata: { ...body.metadata, namespace, resourceVersion: nextVersion(), uid: `uid-${created}` },
    };
    fake.secrets.set(`${namespace}/${created}`, stored);
    return json(res, 201, stored);
  }
  if (req.method === 'PUT' && name) {
    const current = fake.secrets.get(key) as (Json & { metadata: Json }) | undefined;
    if (!current) return status(res, 404, 'NotFound', `secrets "${name}" not found`);
    if (body.metadata.resourceVersion !== current.metadata.resourceVersion) {
      return status(
        res,
        409,
        'Conflict',
        `Operation cannot be fulfilled on secrets "${name}": the object has been modified`,
      );
    }
    const stored = { ...body, metadata: { ...body.metadata, resourceVersion: nextVersion() } };
    fake.secrets.set(key, stored);
    return json(res, 200, stored);
  }
  status(res, 405, 'MethodNotAllowed', `the fake API server does not allow ${req.method ?? ''} here`);
}

async function webhookConfigRoute(fake: FakeKubeApiServer, req: IncomingMessage, res: ServerResponse, name: string) {
  const current = fake.webhookConfigs.get(name);
  if (!current)
    return status(
      res,
      404,
      'NotFound',
      `mutatingwebhookconfigurations.admissionregistration.k8s.io "${name}" not found`,
    );
  if (req.method === 'GET') return json(res, 200, current);
  if (req.method !== 'PATCH') return status(res, 405, 'MethodNotAllowed', 'only GET and PATCH');
  if (req.headers['content-type'] !== 'application/json-patch+json')
    return status(res, 415, 'UnsupportedMediaType', 'JSON Patch only');
  const ops = (await readJson(req)) as Operation[];
  try {
    const patched = jsonpatch.applyPatch(structuredClone(current), ops, true, false).newDocument as Json & {
      metadata: Json;
    };
    patched.metadata.resourceVersion = nextVersion();
    fake.webhookConfigs.set(name, patched);
    json(res, 200, patched);
  } catch (error) {
    status(res, 422, 'Invalid', `the patch does not apply: ${String(error)}`);
  }
}

/** A MutatingWebhookConfiguration with the given webhook entries (no caBundle yet). */
export function webhookConfig(name: string, webhooks: readonly string[]): Json {
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'MutatingWebhookConfiguration',
    metadata: { name, resourceVersion: nextVersion() },
    webhooks: webhooks.map((webhook) => ({
      name: webhook,
      admissionReviewVersions: ['v1'],
      sideEffects: 'None',
      clientConfig: { service: { name: 'mcp-injector', namespace: 'mcp-system', path: '/mutate', port: 443 } },
      rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }],
    })),
  };
}
