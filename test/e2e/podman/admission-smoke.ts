// Admission smoke check against a running `mcp-injector serve`: POSTs AdmissionReview v1 requests the way the API
// server would (a Deployment's pod from an example, an un-annotated pod, a pod with an invalid annotation) and checks
// the answers: uid echoed, a base64 JSONPatch that, applied to the pod, yields a schema-valid pod meeting the
// restricted Pod Security Standard, an empty answer for the un-annotated pod, a denial naming the annotation.
// Prints one JSON line; exits 1 on any failure.
//
//   node test/e2e/podman/admission-smoke.ts --url https://127.0.0.1:18443/mutate --admin http://127.0.0.1:18444 \
//     --manifest manifests/examples/server-everything.yaml --workload Deployment/everything
// The injector serves an in-memory self-signed certificate here (--self-signed), so the client does not verify it.

import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { parseArgs } from 'node:util';

import jsonpatch, { type Operation } from 'fast-json-patch';

import { parseYaml } from '../../manifests/kustomize.ts';
import { type Json, podSpecProblems, restrictedViolations, schemaProblems } from '../../manifests/objects.ts';
import { waitForReady } from './mcp-smoke.ts';

interface Review {
  response?: {
    uid: string;
    allowed: boolean;
    patchType?: string;
    patch?: string;
    status?: { message?: string; reason?: string };
  };
}

function post(url: string, body: unknown): Promise<{ status: number; review: Review }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', headers: { 'content-type': 'application/json' }, rejectUnauthorized: false, timeout: 10_000 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          try {
            resolve({ status: res.statusCode ?? 0, review: JSON.parse(Buffer.concat(chunks).toString()) as Review });
          } catch (error) {
            reject(error instanceof Error ? error : new Error(String(error)));
          }
        });
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

function admissionReview(pod: Json, namespace: string): Json {
  const gvk = { group: '', version: 'v1', kind: 'Pod' };
  const gvr = { group: '', version: 'v1', resource: 'pods' };
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: randomUUID(),
      kind: gvk,
      resource: gvr,
      requestKind: gvk,
      requestResource: gvr,
      namespace,
      operation: 'CREATE',
      userInfo: { username: 'system:serviceaccount:kube-system:replicaset-controller' },
      object: pod,
      dryRun: false,
      options: { apiVersion: 'meta.k8s.io/v1', kind: 'CreateOptions' },
    },
  };
}

function check(condition: boolean, message: string): void {
  if (!condition) throw new Error(message);
}

async function review(url: string, pod: Json, namespace: string) {
  const body = admissionReview(pod, namespace);
  const { status, review: answer } = await post(url, body);
  const uid = (body.request as { uid: string }).uid;
  check(status === 200, `HTTP ${status}`);
  check(answer.response?.uid === uid, `uid not echoed: ${JSON.stringify(answer.response)}`);
  return answer.response!;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      url: { type: 'string' },
      admin: { type: 'string' },
      manifest: { type: 'string' },
      workload: { type: 'string' },
      timeout: { type: 'string', default: '60' },
    },
  });
  if (!values.url || !values.admin || !values.manifest || !values.workload) throw new Error('missing options');
  const ready = await waitForReady(values.admin, Number(values.timeout) * 1000);
  const [kind, name] = values.workload.split('/');
  const workload = parseYaml(readFileSync(values.manifest, 'utf8'), values.manifest).find(
    (o) => o.kind === kind && o.metadata.name === name,
  );
  const template = (workload?.spec as { template?: Json } | undefined)?.template;
  if (!workload || !template) throw new Error(`no ${values.workload} in ${values.manifest}`);
  const namespace = workload.metadata.namespace ?? 'default';
  // What the ReplicaSet controller creates: generateName, no name, the template's metadata and spec.
  const pod: Json = {
    apiVersion: 'v1',
    kind: 'Pod',
    ...template,
    metadata: { ...(template.metadata as Json), generateName: `${name}-7d9c8b6f5-` },
  };

  const injected = await review(values.url, pod, namespace);
  check(injected.allowed && injected.patchType === 'JSONPatch' && !!injected.patch, 'no JSONPatch for the example');
  const patch = JSON.parse(Buffer.from(injected.patch!, 'base64').toString()) as Operation[];
  const result = jsonpatch.applyPatch(structuredClone(pod), patch, true, false).newDocument as Json & { spec: Json };
  const asObject = { ...result, metadata: { ...(result.metadata as Json), name: 'validated' } } as never;
  const problems = [...schemaProblems(asObject), ...podSpecProblems(result.spec), ...restrictedViolations(result.spec)];
  check(problems.length === 0, `patched pod: ${problems.join('; ')}`);
  const names = [...((result.spec.initContainers as Json[]) ?? []), ...(result.spec.containers as Json[])].map(
    (c) => c.name,
  );
  check(names.includes('mcp-sidecar') && names.includes('mcp-shim-install'), `containers: ${names.join(', ')}`);

  const plain = structuredClone(pod) as Json & { metadata: Json };
  plain.metadata = { ...plain.metadata, annotations: {} };
  const skipped = await review(values.url, plain, namespace);
  check(skipped.allowed && skipped.patch === undefined, `un-annotated pod: ${JSON.stringify(skipped)}`);

  const bad = structuredClone(pod) as Json & { metadata: Json };
  bad.metadata = { ...bad.metadata, annotations: { 'mcp.io/inject': 'true', 'mcp.io/session-mode': 'sometimes' } };
  const denied = await review(values.url, bad, namespace);
  check(!denied.allowed && /mcp\.io\/session-mode/.test(denied.status?.message ?? ''), 'invalid annotation admitted');

  console.log(
    JSON.stringify({
      ok: true,
      readyAfterMs: ready.ms,
      injected: { patchOps: patch.length, containers: names },
      unannotated: 'allowed, no patch',
      invalid: denied.status?.message,
    }),
  );
}

main().catch((error: unknown) => {
  console.log(JSON.stringify({ ok: false, error: error instanceof Error ? error.message : String(error) }));
  process.exit(1);
});
