// `--bootstrap-tls` in the webhook image, against the webhook team's FAKE kube-apiserver (no real API server exists
// here): the container runs the base Deployment's args with its securityContext (uid 65532, read-only root, no
// capabilities, no privilege escalation) and a kubeconfig pointing at the fake. Checks: it settles the Secret
// mcp-injector-tls, patches the caBundle of the MutatingWebhookConfiguration from manifests/base (and re-asserts it
// after drift), serves a certificate that verifies for mcp-injector.mcp-system.svc against that CA, and every API
// request it made is allowed by the RBAC in manifests/base (evaluated here like the RBAC authorizer would).
// Prints one JSON line; exits 1 on any failure. Needs podman (run.sh sets the lab's config).
//
//   node test/e2e/podman/bootstrap-smoke.ts --image localhost/mcp-injector:dev

import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { startFakeKubeApiServer } from '../../../webhook/test/helpers/fake-kube-apiserver.ts';
import { renderKustomization } from '../../manifests/kustomize.ts';
import type { Json, KubeObject } from '../../manifests/objects.ts';
import { waitForReady } from './mcp-smoke.ts';

const BASE = fileURLToPath(new URL('../../../manifests/base', import.meta.url));
const NAME = 'mcp-proof-bootstrap';
const [PORT, ADMIN_PORT] = [18445, 18446];

interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}

/** An API request as the RBAC authorizer sees it. */
interface Attributes {
  verb: string;
  group: string;
  resource: string;
  namespace?: string;
  name?: string;
}

function attributes(method: string, path: string): Attributes {
  const secret = /^\/api\/v1\/namespaces\/([^/]+)\/secrets(?:\/([^/]+))?$/.exec(path);
  const mwc = /^\/apis\/admissionregistration\.k8s\.io\/v1\/mutatingwebhookconfigurations(?:\/([^/]+))?$/.exec(path);
  const verbs: Record<string, string> = { GET: 'get', POST: 'create', PUT: 'update', PATCH: 'patch', DELETE: 'delete' };
  const verb = verbs[method] ?? method;
  if (secret) return { verb, group: '', resource: 'secrets', namespace: secret[1], name: secret[2] };
  if (mwc)
    return { verb, group: 'admissionregistration.k8s.io', resource: 'mutatingwebhookconfigurations', name: mwc[1] };
  return { verb, group: '?', resource: path };
}

/** The RBAC authorizer's decision for the injector's ServiceAccount, from the Roles and ClusterRoles it is bound to. */
function allowed(request: Attributes, objects: readonly KubeObject[]): boolean {
  const roles = objects.filter(
    (o) => o.kind === 'ClusterRole' || (o.kind === 'Role' && o.metadata.namespace === request.namespace),
  );
  return roles.some((role) =>
    (role.rules as Rule[]).some(
      (rule) =>
        rule.verbs.includes(request.verb) &&
        rule.apiGroups.includes(request.group) &&
        rule.resources.includes(request.resource) &&
        (rule.resourceNames === undefined || (request.name !== undefined && rule.resourceNames.includes(request.name))),
    ),
  );
}

function tlsCheck(ca: string, servername: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: PORT, path: '/mutate', method: 'POST', ca, servername, timeout: 5_000 },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', reject);
    req.setHeader('content-type', 'application/json');
    req.end('{}');
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { image: { type: 'string', default: 'localhost/mcp-injector:dev' } } });
  const base = renderKustomization(BASE);
  const deployment = base.find((o) => o.kind === 'Deployment')!;
  const container = (deployment.spec as { template: { spec: { containers: Json[] } } }).template.spec.containers[0]!;
  const args = (container.args as string[]).map((arg, i, all) =>
    all[i - 1] === '--port' ? String(PORT) : all[i - 1] === '--admin-port' ? String(ADMIN_PORT) : arg,
  );
  const namespace = deployment.metadata.namespace!;
  const mwc = structuredClone(base.find((o) => o.kind === 'MutatingWebhookConfiguration')!);
  mwc.metadata = { ...mwc.metadata, resourceVersion: '1' } as KubeObject['metadata'];

  const fake = await startFakeKubeApiServer();
  fake.webhookConfigs.set(mwc.metadata.name, mwc);
  const dir = mkdtempSync(join(tmpdir(), 'mcp-bootstrap-'));
  chmodSync(dir, 0o755);
  writeFileSync(join(dir, 'config'), fake.kubeConfig().exportConfig(), { mode: 0o644 });
  try {
    execFileSync('podman', [
      ...['run', '-d', '--name', NAME, '--user', '65532:65532', '--read-only', '--tmpfs', '/tmp'],
      ...['--cap-drop', 'ALL', '--security-opt', 'no-new-privileges'],
      ...['-v', `${dir}:/kube:ro`, '-e', 'KUBECONFIG=/kube/config', '-e', `POD_NAMESPACE=${namespace}`],
      ...['-e', 'MCP_INJECTOR_TLS_POLL_INTERVAL=1s', values.image, ...args],
    ]);
    const ready = await waitForReady(`http://127.0.0.1:${ADMIN_PORT}`, 60_000);
    const secret = fake.secrets.get(`${namespace}/mcp-injector-tls`) as { data?: Record<string, string> } | undefined;
    const keys = Object.keys(secret?.data ?? {}).sort();
    if (keys.join() !== 'ca.crt,ca.key,tls.crt,tls.key') throw new Error(`Secret keys: ${keys.join()}`);
    const caBase64 = secret!.data!['ca.crt']!;
    const bundles = () =>
      ((fake.webhookConfigs.get(mwc.metadata.name) as { webhooks: Json[] }).webhooks ?? []).map(
        (w) => (w.clientConfig as Json).caBundle,
      );
    if (!bundles().every((b) => b === caBase64)) throw new Error('caBundle not patched');
    const status = await tlsCheck(Buffer.from(caBase64, 'base64').toString(), `mcp-injector.${namespace}.svc`);
    // Drift (a GitOps sync resetting caBundle) is undone within a poll interval.
    const drifted = fake.webhookConfigs.get(mwc.metadata.name) as { webhooks: { clientConfig: Json }[] };
    for (const webhook of drifted.webhooks) delete webhook.clientConfig.caBundle;
    let reasserted = false;
    for (let i = 0; i < 20 && !reasserted; i += 1) {
      await sleep(500);
      reasserted = bundles().every((b) => b === caBase64);
    }
    if (!reasserted) throw new Error('caBundle drift not undone within 10 s');
    const requests = fake.requests.map((r) => attributes(r.method, r.path));
    const denied = requests.filter((r) => !allowed(r, base));
    if (denied.length > 0) throw new Error(`requests the base RBAC would deny: ${JSON.stringify(denied)}`);
    const distinct = [...new Set(requests.map((r) => `${r.verb} ${r.resource}${r.name ? `/${r.name}` : ''}`))];
    console.log(
      JSON.stringify({
        ok: true,
        readyAfterMs: ready.ms,
        secret: keys,
        caBundle: 'patched, and re-asserted after drift',
        tls: `verified for mcp-injector.${namespace}.svc (HTTP ${status} for an empty body)`,
        requests: `${requests.length}, all allowed by manifests/base RBAC: ${distinct.join(', ')}`,
      }),
    );
  } catch (error) {
    try {
      console.error(execFileSync('podman', ['logs', NAME], { encoding: 'utf8', stdio: 'pipe' }).slice(-3000));
    } catch {
      // no container to show logs of
    }
    throw error;
  } finally {
    execFileSync('podman', ['rm', '-f', NAME], { stdio: 'ignore' });
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.log(JSON.stringify({ ok: false, error: error instanceof Error ? error.message : String(error) }));
  process.exit(1);
});
