// Pods other injectors got to first (or after us): the mesh goldens checked for what they claim, not only compared
// with a snapshot. For each: admitted without any annotation naming the server, the server found, every mesh proxy,
// init step and agent byte-for-byte unchanged and in its place, no MCP_URL outside the app, the right trusted proxy
// for the bridge, and probes that neither mesh can redirect or rewrite. The last part uses two small models, named as
// such: which probes Istio's injector rewrites (app_probe.go) and which probe connections the meshes' iptables rules
// redirect (istio-iptables run.go, linkerd2-proxy-init iptables.go); webhook/README.md cites the lines. The rendered
// probe command is then run for real with the built mcp-shim against an HTTP server.

import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { once } from 'node:events';

import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';

import { INJECTION, PORTS } from '@mcp-sidecar/contract';

import { SHIM_BINARY } from '../../test/helpers/shim.ts';
import { admit } from '../src/core/admit.ts';
import { injectorConfig } from '../src/core/config.ts';
import { infrastructureContainers } from '../src/core/infrastructure.ts';
import { meshesOf } from '../src/core/mesh.ts';
import type { PodObject } from '../src/core/pod.ts';
import { decodeReview } from '../src/core/review.ts';
import { admissionReview, admittedPods, applyPatch } from './helpers/admission.ts';

type Json = Record<string, unknown>;
type Container = Json & { name: string; env?: Json[]; args?: string[] };
type Pod = Json & {
  metadata: Json & { annotations: Record<string, string> };
  spec: Json & { containers: Container[]; initContainers?: Container[] };
};

const DIR = new URL('./testdata/inject/', import.meta.url);
const ISTIO = '127.0.0.6/32,::6/128';
const LINKERD = '$(POD_IPS)';

interface MeshCase {
  readonly file: string;
  readonly server: string;
  /** The --trusted-proxies value, or undefined when the bridge must have none. */
  readonly trusted: string | undefined;
  readonly mode: 'native' | 'classic';
}

const CASES: readonly MeshCase[] = [
  { file: 'pod-istio-classic.yaml', server: 'server', trusted: ISTIO, mode: 'native' },
  { file: 'pod-istio-classic.yaml', server: 'server', trusted: ISTIO, mode: 'classic' },
  { file: 'pod-istio-native.yaml', server: 'server', trusted: ISTIO, mode: 'native' },
  { file: 'pod-istio-native.yaml', server: 'server', trusted: ISTIO, mode: 'classic' },
  { file: 'pod-istio-after-us.yaml', server: 'server', trusted: ISTIO, mode: 'native' },
  { file: 'pod-linkerd.yaml', server: 'server', trusted: LINKERD, mode: 'native' },
  { file: 'pod-linkerd.yaml', server: 'server', trusted: LINKERD, mode: 'classic' },
  { file: 'pod-linkerd-classic.yaml', server: 'server', trusted: LINKERD, mode: 'native' },
  { file: 'pod-linkerd-classic.yaml', server: 'server', trusted: LINKERD, mode: 'classic' },
  { file: 'pod-existing-init.yaml', server: 'server', trusted: ISTIO, mode: 'native' },
  { file: 'pod-agents.yaml', server: 'server', trusted: undefined, mode: 'native' },
  { file: 'pod-default-container.yaml', server: 'server', trusted: undefined, mode: 'native' },
];

function inputPod(file: string): Pod {
  const docs = parseAllDocuments(readFileSync(new URL(file, DIR), 'utf8'), { version: '1.1' }).map(
    (d) => d.toJS() as unknown,
  );
  return docs.flatMap(admittedPods)[0] as Pod;
}

function admitted(pod: Pod, mode: 'native' | 'classic') {
  const decoded = decodeReview(JSON.stringify(admissionReview(pod)));
  if (!decoded.ok) throw new Error(decoded.message);
  const result = admit(decoded.request, injectorConfig({ sidecarMode: mode }));
  expect(result.allowed, result.message).toBe(true);
  return { result, pod: applyPatch(pod, result.patch) };
}

const containersOf = (pod: Pod): Container[] => [...(pod.spec.initContainers ?? []), ...pod.spec.containers];
const named = (pod: Pod, name: string): Container | undefined => containersOf(pod).find((c) => c.name === name);
const OURS: readonly string[] = [INJECTION.sidecarContainer, INJECTION.shimInstallContainer];

/** Model of Istio's injector: convertAppProber (app_probe.go:68-80) rewrites httpGet, tcpSocket and gRPC probes only. */
const istioRewrites = (probe: Json): boolean => ['httpGet', 'tcpSocket', 'grpc'].some((kind) => kind in probe);

/**
 * Model of the meshes' inbound capture: the kubelet's httpGet/tcpSocket/gRPC probe connects to the pod IP from the
 * node and PREROUTING redirects it to the proxy (no source exemption); an exec probe's connection is made inside the
 * pod to 127.0.0.1 and leaves through lo, which both meshes return early (Istio ISTIO_OUTPUT -o lo for non-proxy
 * uids, Linkerd PROXY_INIT_OUTPUT -o lo).
 */
function meshRedirects(probe: Json): boolean {
  if (!('exec' in probe)) return true;
  const command = (probe.exec as { command: string[] }).command;
  const url = command[command.indexOf('--probe') + 1] ?? '';
  return !/^http:\/\/(127\.0\.0\.1|\[::1\]):/.test(url);
}

describe.each(CASES)('$file ($mode)', ({ file, server, trusted, mode }) => {
  const before = inputPod(file);
  const { result, pod: after } = admitted(before, mode);
  const bridge = named(after, INJECTION.sidecarContainer)!;

  it('is admitted without mcp.io/container and runs the server under the shim', () => {
    expect(before.metadata.annotations['mcp.io/container']).toBeUndefined();
    expect(result.reason).toBe('injected');
    expect((named(after, server)?.command as string[] | undefined)?.[0]).toBe(INJECTION.shimPath);
  });

  it('leaves every mesh proxy, init step and agent exactly as it was, and in its place', () => {
    const infrastructure = infrastructureContainers(before as unknown as PodObject)
      .map((c) => c.name)
      .filter((name) => !OURS.includes(name)); // a pod we injected before (pod-istio-after-us): ours are re-rendered
    for (const name of infrastructure) expect(named(after, name), name).toEqual(named(before, name));
    const order = (list: Container[] | undefined) => (list ?? []).map((c) => c.name).filter((n) => !OURS.includes(n));
    expect(order(after.spec.initContainers)).toEqual(order(before.spec.initContainers));
    expect(order(after.spec.containers)).toEqual(order(before.spec.containers));
  });

  it('gives MCP_URL to app containers only', () => {
    const infrastructure = new Set(infrastructureContainers(before as unknown as PodObject).map((c) => c.name));
    for (const container of after.spec.containers) {
      const hasUrl = (container.env ?? []).some((e) => e.name === INJECTION.urlEnv);
      const app = !infrastructure.has(container.name) && container.name !== server && !OURS.includes(container.name);
      expect(hasUrl, container.name).toBe(app);
    }
  });

  it(`tells the bridge which proxy to trust (${trusted ?? 'none'})`, () => {
    const args = bridge.args ?? [];
    const at = args.indexOf('--trusted-proxies');
    expect(at === -1 ? undefined : args[at + 1]).toBe(trusted);
    const podIps = (bridge.env ?? []).find((e) => e.name === 'POD_IPS');
    expect(podIps?.valueFrom).toEqual(
      trusted === LINKERD ? { fieldRef: { apiVersion: 'v1', fieldPath: 'status.podIPs' } } : undefined,
    );
  });

  it('has probes that Istio would not rewrite and no mesh redirects (models, see the header)', () => {
    const probes = ['startupProbe', 'readinessProbe', 'livenessProbe'].map((kind) => bridge[kind] as Json);
    expect(probes.map(istioRewrites)).toEqual([false, false, false]);
    expect(probes.map(meshRedirects)).toEqual([false, false, false]);
    // Without exec probes the same pods would be redirected: the models are not vacuous.
    const httpGet = { httpGet: { path: '/livez', port: PORTS.admin } };
    expect([istioRewrites(httpGet), meshRedirects(httpGet)]).toEqual([true, true]);
  });

  it('is a fixed point: admitting the result again changes nothing', () => {
    expect(admitted(after, mode).result.patch).toEqual([]);
  });
});

describe('mesh and infrastructure recognition', () => {
  const pod = (spec: Json, annotations: Record<string, string> = {}) =>
    ({ metadata: { annotations }, spec: { containers: [], ...spec } }) as unknown as PodObject;

  it('knows a mesh by its containers, regular or init, or by its status annotation alone', () => {
    expect(meshesOf(pod({ containers: [{ name: 'istio-proxy' }] }))).toEqual(['istio']);
    expect(meshesOf(pod({ initContainers: [{ name: 'istio-validation' }] }))).toEqual(['istio']);
    expect(meshesOf(pod({}, { 'sidecar.istio.io/status': '{}' }))).toEqual(['istio']);
    expect(meshesOf(pod({ initContainers: [{ name: 'linkerd-network-validator' }] }))).toEqual(['linkerd']);
    expect(meshesOf(pod({}, { 'linkerd.io/proxy-version': 'edge-25.8.3' }))).toEqual(['linkerd']);
    expect(meshesOf(pod({ containers: [{ name: 'envoy' }, { name: 'daprd' }] }))).toEqual([]);
  });

  it('counts any native sidecar in initContainers as infrastructure, and no run-once init container', () => {
    const spec = {
      initContainers: [
        { name: 'migrate' },
        { name: 'log-agent', restartPolicy: 'Always' },
        { name: 'vault-agent-init' },
      ],
      containers: [{ name: 'server' }, { name: 'daprd' }],
    };
    expect(infrastructureContainers(pod(spec)).map((c) => c.name)).toEqual(['log-agent', 'vault-agent-init', 'daprd']);
  });

  it('warns when kubectl.kubernetes.io/default-container chose the server among several app containers', () => {
    const { result } = admitted(inputPod('pod-default-container.yaml'), 'native');
    expect(result.warnings).toContain(
      'container "server" runs the MCP server because kubectl.kubernetes.io/default-container names it; set ' +
        'mcp.io/container to run it in "ui" instead',
    );
  });
});

describe('the rendered probe command, run with the built mcp-shim', () => {
  it('exits 0 on the admin endpoint and 1 with the reason on a 503', async () => {
    const { pod } = admitted(inputPod('pod-istio-classic.yaml'), 'native');
    const bridge = named(pod, INJECTION.sidecarContainer)!;
    const status = { '/livez': 200, '/readyz': 503 } as Record<string, number>;
    const server = createServer((req, res) => res.writeHead(status[req.url ?? ''] ?? 404).end('{"ready":false}'));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as { port: number }).port;
    const run = (probe: string) => {
      const [, ...args] = ((bridge[probe] as Json).exec as { command: string[] }).command;
      const local = args.map((arg) => arg.replace(`:${PORTS.admin}/`, `:${port}/`));
      return new Promise<{ code: number; stderr: string }>((resolve) =>
        execFile(SHIM_BINARY, local, (error, _out, stderr) =>
          resolve({ code: error ? Number(error.code) : 0, stderr }),
        ),
      );
    };
    try {
      expect(await run('startupProbe')).toEqual({ code: 0, stderr: '' });
      expect(await run('livenessProbe')).toEqual({ code: 0, stderr: '' });
      expect(await run('readinessProbe')).toEqual({
        code: 1,
        stderr: `mcp-shim: probe http://127.0.0.1:${port}/readyz: HTTP 503 {"ready":false}\n`,
      });
    } finally {
      server.close();
    }
  });
});
