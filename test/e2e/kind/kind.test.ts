// Opt-in end-to-end suite on a real Kubernetes API server: a throwaway kind cluster, both images built from this
// checkout and loaded into it, manifests/base applied, the examples' namespace labelled, and then: server dry-runs
// through the real admission chain (inject / skip / deny), the server-everything example running with a native
// sidecar, the SDK client through a port-forward, and /readyz gating pod readiness. The cluster is deleted after.
//
//   MCP_E2E_KIND=1 npx vitest run test/e2e/kind        # needs docker (engine running), kind and kubectl
//
// Without MCP_E2E_KIND=1, or without the tools, the suite is skipped with a line saying why (no process is spawned
// unless opted in, so it costs nothing in `npm test`). See README.md next to this file.

import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { attempt, detect, eventually, OPT_IN_VARIABLE, portForward, type PortForward, run } from './cluster.ts';

const REPO = fileURLToPath(new URL('../../..', import.meta.url));
const detection = detect();
if (!detection.ok) {
  console.log(
    `[test/e2e/kind] SKIPPED, nothing was run: ${detection.reason}. ` +
      `To run it: install docker (engine running), kind and kubectl, then ${OPT_IN_VARIABLE}=1 npx vitest run test/e2e/kind`,
  );
}

const env = process.env;
const CLUSTER = env.MCP_E2E_KIND_CLUSTER ?? `mcp-sidecar-e2e-${randomBytes(3).toString('hex')}`;
const SIDECAR_IMAGE = 'mcp-sidecar:e2e';
const INJECTOR_IMAGE = 'mcp-injector:e2e';
const MINUTE = 60_000;

type Json = Record<string, unknown>;
interface PodJson {
  metadata: { name: string; annotations?: Record<string, string> };
  spec: { containers: Json[]; initContainers?: Json[] };
  status?: {
    conditions?: { type: string; status: string }[];
    initContainerStatuses?: { name: string; ready: boolean; started?: boolean }[];
  };
}

describe.skipIf(!detection.ok)(`kind cluster ${CLUSTER}`, () => {
  // Made in beforeAll, never while collecting: a skipped suite must leave nothing behind.
  let work = '';
  const kubeconfig = () => join(work, 'kubeconfig');
  const kubectlArgs = () => ['--kubeconfig', kubeconfig()];
  const kubectl = () => ['kubectl', ...kubectlArgs()];
  const k = (...args: string[]) => run('kubectl', [...kubectlArgs(), ...args]).stdout;
  const forwards: PortForward[] = [];
  const timings: Record<string, number> = {};
  const timed = <T>(name: string, action: () => T): T => {
    const started = Date.now();
    const value = action();
    timings[name] = Math.round((Date.now() - started) / 1000);
    console.log(`[test/e2e/kind] ${name}: ${timings[name]} s`);
    return value;
  };

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'mcp-e2e-kind-'));
    const node = env.KIND_NODE_IMAGE ? ['--image', env.KIND_NODE_IMAGE] : [];
    timed('kind create cluster', () =>
      run('kind', ['create', 'cluster', '--name', CLUSTER, '--kubeconfig', kubeconfig(), '--wait', '180s', ...node]),
    );
    if (env.MCP_E2E_KIND_SKIP_BUILD !== '1') {
      const buildArgs = env.NPM_CONFIG_REGISTRY
        ? ['--build-arg', `NPM_CONFIG_REGISTRY=${env.NPM_CONFIG_REGISTRY}`]
        : [];
      timed('docker build (both images)', () => {
        run('docker', ['build', '-f', 'Dockerfile.sidecar', '-t', SIDECAR_IMAGE, ...buildArgs, '.'], { cwd: REPO });
        run('docker', ['build', '-f', 'Dockerfile.webhook', '-t', INJECTOR_IMAGE, ...buildArgs, '.'], { cwd: REPO });
      });
    }
    timed('kind load docker-image', () =>
      run('kind', ['load', 'docker-image', SIDECAR_IMAGE, INJECTOR_IMAGE, '--name', CLUSTER]),
    );
    // manifests/base as shipped, with only the images swapped for the ones just built.
    const overlay = join(work, 'overlay');
    mkdirSync(overlay);
    writeFileSync(join(overlay, 'kustomization.yaml'), overlayFor(relative(overlay, join(REPO, 'manifests/base'))));
    timed('apply manifests/base and wait for the injector', () => {
      k('apply', '-k', overlay);
      k('-n', 'mcp-system', 'rollout', 'status', 'deployment/mcp-injector', '--timeout=300s');
    });
    await eventually('the caBundle patched by --bootstrap-tls', 2 * MINUTE, () => {
      const bundle = k(
        'get',
        'mutatingwebhookconfiguration',
        'mcp-injector',
        '-o',
        'jsonpath={.webhooks[*].clientConfig.caBundle}',
      );
      return bundle.trim() === '' ? undefined : bundle;
    });
  }, 40 * MINUTE);

  afterAll(() => {
    for (const forward of forwards) forward.close();
    console.log(`[test/e2e/kind] timings (s): ${JSON.stringify(timings)}`);
    if (env.MCP_E2E_KIND_KEEP === '1') {
      console.log(`[test/e2e/kind] kept: kind delete cluster --name ${CLUSTER}; kubeconfig ${kubeconfig()}`);
      return;
    }
    attempt('kind', ['delete', 'cluster', '--name', CLUSTER]);
    if (work) rmSync(work, { recursive: true, force: true });
  }, 5 * MINUTE);

  it('runs two ready injector replicas and keeps the TLS Secret', () => {
    const ready = k('-n', 'mcp-system', 'get', 'deployment', 'mcp-injector', '-o', 'jsonpath={.status.readyReplicas}');
    expect(ready).toBe('2');
    expect(k('-n', 'mcp-system', 'get', 'secret', 'mcp-injector-tls', '-o', 'jsonpath={.type}')).toBe(
      'kubernetes.io/tls',
    );
  });

  it('admits through the real admission chain: inject in a labelled namespace, skip elsewhere, deny bad input', async () => {
    k('create', 'namespace', 'mcp-e2e-labelled');
    k('label', 'namespace', 'mcp-e2e-labelled', 'mcp.io/injection=enabled');
    k('create', 'namespace', 'mcp-e2e-unlabelled');
    const dryRun = (namespace: string, annotations: Record<string, string>) => {
      const file = join(work, `pod-${namespace}-${Object.keys(annotations).length}.json`);
      writeFileSync(file, JSON.stringify(podWith(annotations)));
      return attempt('kubectl', [
        ...kubectlArgs(),
        '-n',
        namespace,
        'create',
        '--dry-run=server',
        '-o',
        'json',
        '-f',
        file,
      ]);
    };
    const containers = (answer: { stdout: string }) => {
      const pod = JSON.parse(answer.stdout) as PodJson;
      return [...(pod.spec.initContainers ?? []), ...pod.spec.containers].map((c) => c.name);
    };
    const opted = { 'mcp.io/inject': 'true' };
    // The API server picks up the patched caBundle from its watch of webhook configurations; until then the call
    // fails TLS verification and, under failurePolicy Fail, the request is refused.
    const first = await eventually('the API server to call the webhook with the new caBundle', 2 * MINUTE, () => {
      const answer = dryRun('mcp-e2e-labelled', opted);
      return answer.status === 0 ? answer : undefined;
    });
    expect(containers(first)).toEqual(['mcp-shim-install', 'mcp-sidecar', 'server']);
    expect(containers(dryRun('mcp-e2e-unlabelled', opted))).toEqual(['server']);
    expect(containers(dryRun('mcp-e2e-labelled', {}))).toEqual(['server']);
    const denied = dryRun('mcp-e2e-labelled', { ...opted, 'mcp.io/session-mode': 'sometimes' });
    expect(denied.status).not.toBe(0);
    expect(denied.stderr).toMatch(/mcp\.io\/session-mode/);
  });

  it(
    'runs the server-everything example with a native sidecar, and tools work through a port-forward',
    async () => {
      timed('example rollout', () => {
        k('apply', '-f', join(REPO, 'manifests/examples/server-everything.yaml'));
        expect(k('get', 'namespace', 'mcp-demo', '-o', 'jsonpath={.metadata.labels.mcp\\.io/injection}')).toBe(
          'enabled',
        );
        k('-n', 'mcp-demo', 'rollout', 'status', 'deployment/everything', '--timeout=600s');
      });
      const list = JSON.parse(
        k('-n', 'mcp-demo', 'get', 'pod', '-l', 'app.kubernetes.io/name=everything', '-o', 'json'),
      ) as unknown;
      const pod = (list as { items: PodJson[] }).items[0]!;
      const bridge = pod.spec.initContainers?.find((c) => c.name === 'mcp-sidecar');
      expect(bridge?.restartPolicy).toBe('Always');
      expect(pod.metadata.annotations?.['mcp.io/status']).toBeDefined();
      expect((pod.spec.containers.find((c) => c.name === 'server')!.command as string[])[0]).toBe('/mcp/bin/mcp-shim');
      expect(pod.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
      expect(pod.status?.initContainerStatuses?.find((s) => s.name === 'mcp-sidecar')?.ready).toBe(true);

      const forward = await portForward(kubectl(), 'mcp-demo', `pod/${pod.metadata.name}`, [8080, 8081]);
      forwards.push(forward);
      const [mcp, admin] = forward.ports;
      // Loaded here, not at the top: a skipped suite does not pay for importing the MCP SDK.
      const { smoke } = await import('../podman/mcp-smoke.ts');
      const result = await smoke({
        url: `http://127.0.0.1:${mcp}/mcp`,
        admin: `http://127.0.0.1:${admin}`,
        call: { name: 'echo', arguments: { message: 'from kind' } },
        expect: 'from kind',
        timeoutMs: MINUTE,
      });
      expect(result.tools).toContain('echo');
      expect(result.text).toContain('from kind');
    },
    20 * MINUTE,
  );

  it(
    'keeps a pod out of readiness while /readyz is 503 (an upstream that never answers initialize)',
    async () => {
      const file = join(work, 'silent.json');
      writeFileSync(file, JSON.stringify({ ...podWith({ 'mcp.io/inject': 'true' }, 'silent') }));
      k('-n', 'mcp-e2e-labelled', 'create', '-f', file);
      await eventually('the bridge of the silent pod to start', 5 * MINUTE, () => {
        const pod = JSON.parse(k('-n', 'mcp-e2e-labelled', 'get', 'pod', 'silent', '-o', 'json')) as PodJson;
        return pod.status?.initContainerStatuses?.find((s) => s.name === 'mcp-sidecar')?.started ? pod : undefined;
      });
      const forward = await portForward(kubectl(), 'mcp-e2e-labelled', 'pod/silent', [8081]);
      forwards.push(forward);
      const readyz = await fetch(`http://127.0.0.1:${forward.ports[0]}/readyz`);
      expect(readyz.status).toBe(503);
      // Several readiness periods later, the kubelet still reports the bridge and the pod not ready.
      await new Promise((resolve) => setTimeout(resolve, 20_000));
      const pod = JSON.parse(k('-n', 'mcp-e2e-labelled', 'get', 'pod', 'silent', '-o', 'json')) as PodJson;
      expect(pod.status?.initContainerStatuses?.find((s) => s.name === 'mcp-sidecar')?.ready).toBe(false);
      expect(pod.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('False');
    },
    10 * MINUTE,
  );
});

function overlayFor(base: string): string {
  return [
    'apiVersion: kustomize.config.k8s.io/v1beta1',
    'kind: Kustomization',
    'resources:',
    `  - ${base}`,
    'images:',
    '  - name: ghcr.io/mcp-sidecar/mcp-injector',
    `    newName: ${INJECTOR_IMAGE.split(':')[0]}`,
    `    newTag: ${INJECTOR_IMAGE.split(':')[1]}`,
    'patches:',
    '  - patch: |-',
    '      apiVersion: apps/v1',
    '      kind: Deployment',
    '      metadata: {name: mcp-injector, namespace: mcp-system}',
    '      spec:',
    '        template:',
    '          spec:',
    '            containers:',
    '              - name: mcp-injector',
    '                env:',
    '                  - name: MCP_INJECTOR_SIDECAR_IMAGE',
    `                    value: ${SIDECAR_IMAGE}`,
    '',
  ].join('\n');
}

/** A restricted-compliant pod; "silent" runs a stdio server that never answers (the bridge never gets ready). */
function podWith(annotations: Record<string, string>, name = 'probe'): Json {
  const command =
    name === 'silent'
      ? ['node', '-e', 'setInterval(() => {}, 1 << 30)']
      : ['npx', '-y', '@modelcontextprotocol/server-everything'];
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, annotations },
    spec: {
      securityContext: {
        runAsNonRoot: true,
        runAsUser: 1000,
        runAsGroup: 1000,
        seccompProfile: { type: 'RuntimeDefault' },
      },
      containers: [
        {
          name: 'server',
          image: 'node:24-slim',
          command,
          resources: { requests: { cpu: '10m', memory: '32Mi' }, limits: { memory: '128Mi' } },
          securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
        },
      ],
    },
  };
}
