// Every way a pod is refused, with the exact message a user reads (kubectl prints it verbatim). A new deny reason
// without a row here fails the coverage test at the bottom.

import { describe, expect, it } from 'vitest';

import { admit } from '../src/core/admit.ts';
import { injectorConfig, type InjectorConfig } from '../src/core/config.ts';
import { decide, type PodContext } from '../src/core/policy.ts';
import { REASON_CODES, REASONS, type ReasonCode } from '../src/core/reasons.ts';

type Json = Record<string, unknown>;

const server = { name: 'server', image: 'ghcr.io/example/mcp:1', command: ['/srv'] };

function pod(annotations: Record<string, string> = {}, spec: Json = {}, metadata: Json = {}): Json {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', ...metadata, annotations: { 'mcp.io/inject': 'true', ...annotations } },
    spec: { containers: [server], ...spec },
  };
}

interface Row {
  readonly name: string;
  readonly pod: unknown;
  readonly reason: ReasonCode;
  readonly message: string;
  readonly config?: InjectorConfig;
  readonly context?: PodContext;
}

const web = (port: number) => ({ name: 'web', image: 'nginx', ports: [{ containerPort: port }] });
const istioProxy = { name: 'istio-proxy', image: 'docker.io/istio/proxyv2:1.27.0', args: ['proxy', 'sidecar'] };
const job = { ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: 'backup', uid: 'u', controller: true }] };

const ROWS: readonly Row[] = [
  {
    name: 'mcp.io/inject with a value other than true/false',
    pod: pod({ 'mcp.io/inject': 'yes' }),
    reason: 'invalid_annotation',
    message: 'annotation mcp.io/inject="yes" is invalid: expected "true" or "false". Fix: set mcp.io/inject: "true"',
  },
  {
    name: 'a bad port and a bad session mode, reported together',
    pod: pod({ 'mcp.io/port': 'http', 'mcp.io/session-mode': 'pooled' }),
    reason: 'invalid_annotation',
    message:
      'annotation mcp.io/port="http" is invalid: expected an integer from 0 to 65535. Fix: set mcp.io/port: "8080"; ' +
      'annotation mcp.io/session-mode="pooled" is invalid: expected one of shared, per-session. Fix: set mcp.io/session-mode: "per-session"',
  },
  {
    name: 'an HTTP upstream outside the pod',
    pod: pod({ 'mcp.io/upstream': 'http://mcp.example.com:3000/mcp' }),
    reason: 'invalid_annotation',
    message:
      'annotation mcp.io/upstream="http://mcp.example.com:3000/mcp" is invalid: expected a server in this pod, at ' +
      'http://127.0.0.1:PORT/path, not mcp.example.com. Fix: set mcp.io/upstream: "http://127.0.0.1:3000/mcp"',
  },
  {
    name: 'an HTTP upstream on the bridge’s own port',
    pod: pod({ 'mcp.io/upstream': 'http://127.0.0.1:8080/mcp' }),
    reason: 'invalid_annotation',
    message:
      'annotation mcp.io/upstream names port 8080, which the bridge itself listens on. Fix: set mcp.io/port to another port',
  },
  {
    name: 'mcp.io/pty with an HTTP upstream',
    pod: pod({ 'mcp.io/upstream': 'http://127.0.0.1:3000/mcp', 'mcp.io/pty': 'true' }),
    reason: 'invalid_annotation',
    message:
      'annotation mcp.io/pty applies to stdio servers, and mcp.io/upstream names an HTTP server. Fix: remove one of them',
  },
  {
    name: 'mcp.io/pty that is not a boolean',
    pod: pod({ 'mcp.io/pty': 'yes' }),
    reason: 'invalid_annotation',
    message: 'annotation mcp.io/pty="yes" is invalid: expected "true" or "false". Fix: set mcp.io/pty: "true"',
  },
  {
    name: 'mcp.io/command that is not a JSON list',
    pod: pod({ 'mcp.io/command': 'npx -y server' }),
    reason: 'invalid_annotation',
    message:
      'annotation mcp.io/command="npx -y server" is invalid: expected a JSON list of strings, but it is not valid JSON. ' +
      'Fix: set mcp.io/command: \'["npx", "-y", "@modelcontextprotocol/server-everything"]\'',
  },
  {
    name: 'mcp.io/auth with an unknown mode, and a policy ConfigMap reference with two keys',
    pod: pod({ 'mcp.io/auth': 'basic', 'mcp.io/policy-configmap': 'rules/a.yaml/b.yaml' }),
    reason: 'invalid_annotation',
    message:
      'annotation mcp.io/auth="basic" is invalid: expected one of none, token, jwt. Fix: set mcp.io/auth: "jwt"; ' +
      'annotation mcp.io/policy-configmap="rules/a.yaml/b.yaml" is invalid: expected a ConfigMap name, optionally ' +
      'followed by /<key> (default key policy.yaml). Fix: set mcp.io/policy-configmap: "mcp-policy/policy.yaml"',
  },
  {
    name: 'an OTLP endpoint that is not an http(s) URL',
    pod: pod({ 'mcp.io/otel-endpoint': 'otel-collector:4317' }),
    reason: 'invalid_annotation',
    message:
      'annotation mcp.io/otel-endpoint="otel-collector:4317" is invalid: expected the OTLP endpoint, an http:// or ' +
      'https:// URL. Fix: set mcp.io/otel-endpoint: "http://otel-collector.observability:4318"',
  },
  {
    name: 'client certificates without the TLS Secret',
    pod: pod({ 'mcp.io/tls-client-auth': 'require' }),
    reason: 'missing_annotation',
    message:
      'annotation mcp.io/tls-client-auth="require" needs mcp.io/tls-secret: client certificates are verified against ' +
      'the ca.crt of that Secret, and the bridge serves TLS with its tls.crt and tls.key. Fix: set mcp.io/tls-secret: ' +
      '"mcp-server-tls" (a Secret with tls.crt, tls.key and ca.crt, e.g. from cert-manager), or remove mcp.io/tls-client-auth',
  },
  {
    name: 'static tokens without the Secret that holds them',
    pod: pod({ 'mcp.io/auth': 'token' }),
    reason: 'missing_annotation',
    message:
      'annotation mcp.io/auth="token" needs mcp.io/auth-secret: the accepted tokens are read from its key "tokens". ' +
      'Fix: set mcp.io/auth-secret: "mcp-server-tokens" (a Secret with a key named tokens), or remove mcp.io/auth',
  },
  {
    name: 'JWTs without the audience they must be issued for',
    pod: pod({ 'mcp.io/auth': 'jwt', 'mcp.io/jwt-jwks': 'https://issuer.example.com/jwks.json' }),
    reason: 'missing_annotation',
    message:
      'annotation mcp.io/auth="jwt" needs mcp.io/jwt-audience: the bridge listens on every address of the pod, so it ' +
      'cannot tell which URL clients use for it, and a token is accepted only for its own audience. Fix: set ' +
      'mcp.io/jwt-audience: "https://mcp.example.com/mcp" (the URL your clients use, as the tokens\' aud claim says)',
  },
  {
    name: 'JWTs without keys to check them',
    pod: pod({ 'mcp.io/auth': 'jwt', 'mcp.io/jwt-audience': 'https://mcp.example.com/mcp' }),
    reason: 'missing_annotation',
    message:
      'annotation mcp.io/auth="jwt" needs the keys that sign accepted tokens. Fix: set mcp.io/jwt-jwks: ' +
      '"https://issuer.example.com/.well-known/jwks.json", or mcp.io/auth-secret: "mcp-server-jwks" (a Secret with a ' +
      'key named jwks.json)',
  },
  {
    name: 'a container list that is not a list',
    pod: { metadata: { annotations: { 'mcp.io/inject': 'true' } }, spec: { containers: { name: 'server' } } },
    reason: 'invalid_pod',
    message: 'pod.spec.containers must be a list. Fix: correct the pod spec',
  },
  {
    name: 'an annotation value that YAML turned into a boolean',
    pod: { metadata: { annotations: { 'mcp.io/inject': true } }, spec: { containers: [server] } },
    reason: 'invalid_pod',
    message:
      'pod.metadata.annotations["mcp.io/inject"] must be a string (quote it in YAML, e.g. "true"). Fix: correct the pod spec',
  },
  {
    name: 'several containers and no mcp.io/container',
    pod: pod({}, { containers: [web(80), server] }),
    reason: 'container_required',
    message:
      'the pod has 2 containers (web, server) and no mcp.io/container annotation, so the injector cannot tell which ' +
      'one runs the stdio MCP server. Fix: set mcp.io/container to one of "web", "server", e.g. mcp.io/container: "web"',
  },
  {
    name: 'an app and a log shipper next to an Istio proxy, no annotation naming the server',
    pod: pod(
      {},
      {
        containers: [server, { name: 'log-shipper', image: 'fluent-bit', command: ['/fluent-bit'] }, istioProxy],
      },
    ),
    reason: 'container_required',
    message:
      'the pod has 2 containers (server, log-shipper; not counting istio-proxy, which the injector leaves alone) and ' +
      'no mcp.io/container annotation, so the injector cannot tell which one runs the stdio MCP server. Fix: set ' +
      'mcp.io/container to one of "server", "log-shipper", e.g. mcp.io/container: "server"',
  },
  {
    name: 'kubectl.kubernetes.io/default-container naming no app container',
    pod: pod(
      { 'kubectl.kubernetes.io/default-container': 'istio-proxy' },
      { containers: [web(80), server, istioProxy] },
    ),
    reason: 'container_required',
    message:
      'the pod has 2 containers (web, server; not counting istio-proxy, which the injector leaves alone; ' +
      'kubectl.kubernetes.io/default-container names "istio-proxy", which is not one of them) and no mcp.io/container ' +
      'annotation, so the injector cannot tell which one runs the stdio MCP server. Fix: set mcp.io/container to one ' +
      'of "web", "server", e.g. mcp.io/container: "web"',
  },
  {
    name: 'a pod of mesh containers only',
    pod: pod({}, { containers: [istioProxy] }),
    reason: 'container_required',
    message:
      'the pod has 0 containers (not counting istio-proxy, which the injector leaves alone) and no mcp.io/container ' +
      'annotation, so the injector cannot tell which one runs the stdio MCP server. Fix: add the container that runs ' +
      'the MCP server, or remove mcp.io/inject',
  },
  {
    name: 'mcp.io/container naming the Linkerd proxy',
    pod: pod(
      { 'mcp.io/container': 'linkerd-proxy' },
      { containers: [{ ...istioProxy, name: 'linkerd-proxy' }, server] },
    ),
    reason: 'container_not_found',
    message:
      'annotation mcp.io/container="linkerd-proxy" names Linkerd\'s proxy, which the injector never changes: it is not ' +
      'an MCP server. Fix: set mcp.io/container to one of "server", e.g. mcp.io/container: "server"',
  },
  {
    name: 'mcp.io/container naming no container',
    pod: pod({ 'mcp.io/container': 'srv' }, { containers: [web(80), server] }),
    reason: 'container_not_found',
    message:
      'annotation mcp.io/container="srv" names no container in spec.containers (containers: web, server). ' +
      'Fix: set mcp.io/container to one of "web", "server", e.g. mcp.io/container: "web"',
  },
  {
    name: 'no command and no mcp.io/command',
    pod: pod({}, { containers: [{ name: 'server', image: 'mcp/time', args: ['--tz', 'UTC'] }] }),
    reason: 'missing_command',
    message:
      'container "server" has no command, and the image ENTRYPOINT is never looked up at admission, so the injector ' +
      'cannot run the server through mcp-shim. Fix: set command on container "server" (e.g. command: ' +
      '["npx", "-y", "@modelcontextprotocol/server-everything"]), or set mcp.io/command: ' +
      '\'["npx", "-y", "@modelcontextprotocol/server-everything"]\' (the image\'s ENTRYPOINT and CMD as a JSON list; ' +
      "the container's args are still appended)",
  },
  {
    name: 'the MCP port already declared by another container',
    pod: pod({ 'mcp.io/container': 'server' }, { containers: [server, web(8080)] }),
    reason: 'port_conflict',
    message:
      'port 8080 of the injected MCP endpoint (mcp.io/port, default 8080) is already declared by container "web". ' +
      'Fix: set mcp.io/port: "8082" (a port no container of the pod declares)',
  },
  {
    name: 'mcp.io/port set to the admin port',
    pod: pod({ 'mcp.io/port': '8081' }),
    reason: 'port_conflict',
    message:
      'annotation mcp.io/port="8081" is the bridge\'s own admin port. Fix: set mcp.io/port: "8080" (a port no container of the pod declares)',
  },
  {
    name: 'the admin port declared by an init container',
    pod: pod(
      {},
      {
        initContainers: [{ name: 'proxy', image: 'envoy', restartPolicy: 'Always', ports: [{ containerPort: 8081 }] }],
      },
    ),
    reason: 'port_conflict',
    message:
      'the bridge\'s admin port 8081 is already declared by container "proxy"; the admin port is fixed (mcp.io/port ' +
      'only moves the MCP endpoint). Fix: move container "proxy" off port 8081, or remove mcp.io/inject',
  },
  {
    name: 'a Windows pod',
    pod: pod({}, { os: { name: 'windows' } }),
    reason: 'windows_pod',
    message:
      "the pod sets spec.os.name: windows, but mcp-sidecar and mcp-shim are Linux programs (and the injected containers' " +
      'restricted securityContext is not allowed on Windows). Fix: remove mcp.io/inject',
  },
  {
    name: 'hostNetwork',
    pod: pod({}, { hostNetwork: true }),
    reason: 'host_network',
    message:
      "the pod uses hostNetwork: true, so the bridge's ports (mcp.io/port 8080 and admin 8081) would open on the " +
      "node's network, clash with other pods on the node and expose the MCP endpoint outside the pod. Fix: remove " +
      'hostNetwork: true, or remove mcp.io/inject',
  },
  {
    name: 'a Job pod in the classic layout chosen by annotation',
    pod: pod({ 'mcp.io/native-sidecar': 'false' }, { restartPolicy: 'Never' }, job),
    reason: 'job_needs_native_sidecar',
    message:
      'the pod belongs to Job "backup" and would never complete: in the classic sidecar layout (mcp.io/native-sidecar: ' +
      '"false") the mcp-sidecar container keeps running after the server exits. Fix: use the native sidecar layout ' +
      '(Kubernetes >= 1.29): remove mcp.io/native-sidecar: "false"',
  },
  {
    name: 'a Job pod in the classic layout chosen by --sidecar-mode',
    pod: pod({}, { restartPolicy: 'OnFailure' }, job),
    config: injectorConfig({ sidecarMode: 'classic' }),
    reason: 'job_needs_native_sidecar',
    message:
      'the pod belongs to Job "backup" and would never complete: in the classic sidecar layout (the injector runs ' +
      'with --sidecar-mode classic) the mcp-sidecar container keeps running after the server exits. Fix: use the ' +
      'native sidecar layout (Kubernetes >= 1.29): set mcp.io/native-sidecar: "true" on the pod',
  },
  {
    name: 'a bare run-to-completion pod in the classic layout',
    pod: pod({ 'mcp.io/native-sidecar': 'false' }, { restartPolicy: 'Never' }),
    reason: 'job_needs_native_sidecar',
    message:
      'the pod has restartPolicy: Never and would never complete: in the classic sidecar layout (mcp.io/native-sidecar: ' +
      '"false") the mcp-sidecar container keeps running after the server exits. Fix: use the native sidecar layout ' +
      '(Kubernetes >= 1.29): remove mcp.io/native-sidecar: "false"',
  },
  {
    name: 'a CronJob template offline in the classic layout',
    pod: pod({ 'mcp.io/native-sidecar': 'false' }),
    context: { ownerKind: 'CronJob' },
    reason: 'job_needs_native_sidecar',
    message:
      'the pod belongs to a CronJob and would never complete: in the classic sidecar layout (mcp.io/native-sidecar: ' +
      '"false") the mcp-sidecar container keeps running after the server exits. Fix: use the native sidecar layout ' +
      '(Kubernetes >= 1.29): remove mcp.io/native-sidecar: "false"',
  },
  {
    name: 'a user container named like the bridge, without mcp.io/status',
    pod: pod({ 'mcp.io/container': 'server' }, { containers: [server, { name: 'mcp-sidecar', image: 'mine' }] }),
    reason: 'reserved_name',
    message:
      'container "mcp-sidecar" already exists, but the pod has no mcp.io/status annotation, so mcp-injector did not ' +
      'add it. The injector reserves the container names "mcp-shim-install", "mcp-sidecar" and the volume name ' +
      '"mcp-sidecar". Fix: rename it, or remove mcp.io/inject if the pod already runs the bridge itself',
  },
  {
    name: 'a user volume named like ours, without mcp.io/status',
    pod: pod({}, { volumes: [{ name: 'mcp-sidecar', emptyDir: {} }] }),
    reason: 'reserved_name',
    message:
      'volume "mcp-sidecar" already exists, but the pod has no mcp.io/status annotation, so mcp-injector did not add ' +
      'it. The injector reserves the container names "mcp-shim-install", "mcp-sidecar" and the volume name ' +
      '"mcp-sidecar". Fix: rename it, or remove mcp.io/inject if the pod already runs the bridge itself',
  },
  {
    name: 'a user volume named like the TLS volume, in a pod that asks for TLS',
    pod: pod({ 'mcp.io/tls-secret': 'tls' }, { volumes: [{ name: 'mcp-sidecar-tls', emptyDir: {} }] }),
    reason: 'reserved_name',
    message:
      'volume "mcp-sidecar-tls" already exists, but the pod has no mcp.io/status annotation, so mcp-injector did not ' +
      'add it. The injector reserves the container names "mcp-shim-install", "mcp-sidecar" and the volume name ' +
      '"mcp-sidecar" (and "mcp-sidecar-tls", for the pod\'s identity annotations). Fix: rename it, or remove ' +
      'mcp.io/inject if the pod already runs the bridge itself',
  },
  {
    name: 'the server already mounting something at /mcp',
    pod: pod({}, { containers: [{ ...server, volumeMounts: [{ name: 'data', mountPath: '/mcp/' }] }] }),
    reason: 'mount_path_conflict',
    message:
      'container "server" already mounts volume "data" at /mcp, where the injector mounts the shared volume ' +
      'mcp-sidecar (mcp-shim and its socket). Fix: mount "data" at another path',
  },
];

describe('denials', () => {
  it.each(ROWS)('$name → $reason', (row) => {
    const decision = decide(row.pod, row.context ?? {}, row.config ?? injectorConfig());
    expect(decision).toEqual({ kind: 'deny', reason: row.reason, message: row.message });
  });

  it.each(ROWS.filter((row) => !row.context))('$name → the admission response carries the same denial', (row) => {
    const request = { uid: 'u', kind: { kind: 'Pod', group: '' }, operation: 'CREATE', object: row.pod };
    const result = admit(request, row.config ?? injectorConfig());
    expect(result).toMatchObject({
      allowed: false,
      outcome: 'denied',
      reason: row.reason,
      message: row.message,
      patch: [],
    });
  });

  it('has a row for every deny reason', () => {
    const denyReasons = REASON_CODES.filter((code) => REASONS[code].outcome === 'denied');
    expect(new Set(ROWS.map((row) => row.reason))).toEqual(new Set(denyReasons));
  });

  it('names the fix in every message', () => {
    for (const row of ROWS) expect(row.message).toMatch(/Fix: /);
  });
});
