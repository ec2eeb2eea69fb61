// fast-check generators for pods that ask for injection in many shapes: several containers, native and regular init
// containers, mesh proxies and agents other injectors added (Istio, Linkerd, Vault, Dapr), declared ports (some
// clashing with the bridge), users, unknown fields, annotations valid and not (identity ones included).
// Generated pods are valid Kubernetes pods, so any problem found after injection is the injector's.

import fc from 'fast-check';

type Json = Record<string, unknown>;

const APP_NAMES = ['server', 'web', 'worker', 'log-shipper', 'cache', 'istio-proxy', 'linkerd-proxy', 'daprd'] as const;
const INIT_NAMES = ['wait-for-db', 'migrate', 'istio-init', 'linkerd-init', 'istio-proxy', 'vault-agent'] as const;
const VOLUMES = ['data', 'cache-vol', 'config'] as const;

/** One of the values, each as often as its weight says. */
const weighted = <T>(...choices: [T, number][]): fc.Arbitrary<T> =>
  fc.oneof(...choices.map(([value, weight]) => ({ arbitrary: fc.constant(value), weight })));

/** `arb` in `percent` % of the cases, else undefined (absent). */
const maybe = <T>(arb: fc.Arbitrary<T>, percent = 50): fc.Arbitrary<T | undefined> =>
  fc.oneof({ arbitrary: arb, weight: percent }, { arbitrary: fc.constant(undefined), weight: 100 - percent });

/** Drops undefined fields, the way a manifest simply omits them. */
const compact = (object: Json): Json => Object.fromEntries(Object.entries(object).filter(([, v]) => v !== undefined));

const word = fc.constantFrom('/srv', 'node', 'npx', '-y', '--stdio', 'a b', 'ü', '--');
const command = fc.array(word, { minLength: 1, maxLength: 4 });
const env = fc.uniqueArray(
  fc.record({
    name: fc.constantFrom('LOG_LEVEL', 'MCP_URL', 'TOKEN'),
    value: fc.constantFrom('x', 'http://elsewhere/mcp'),
  }),
  { maxLength: 3, selector: (e) => e.name },
);
const ports = fc.uniqueArray(
  fc.record({
    containerPort: weighted([80, 6], [3000, 6], [15090, 4], [8080, 1], [8081, 1]),
    protocol: fc.constant('TCP'),
  }),
  { maxLength: 2, selector: (p) => p.containerPort },
);
const securityContext = fc.record(
  { runAsUser: fc.constantFrom(0, 1000, 65532), runAsGroup: fc.constantFrom(0, 3000), runAsNonRoot: fc.boolean() },
  { requiredKeys: [] },
);

function container(name: string, extra: Json = {}): fc.Arbitrary<Json> {
  return fc
    .record({
      image: fc.constantFrom('ghcr.io/example/mcp:1.0', 'nginx:1.27', 'busybox:1.36'),
      command: maybe(command, 85),
      args: maybe(fc.array(word, { maxLength: 3 })),
      env: maybe(env),
      ports: maybe(ports),
      securityContext: maybe(securityContext),
      mounts: fc.subarray([...VOLUMES], { maxLength: 2 }),
      futureField: maybe(fc.constant({ nested: [1, 2] }), 10),
    })
    .map(({ mounts, ...fields }) =>
      compact({
        name,
        ...fields,
        volumeMounts: mounts.length > 0 ? mounts.map((v) => ({ name: v, mountPath: `/mnt/${v}` })) : undefined,
        ...extra,
      }),
    );
}

const containers = fc
  .uniqueArray(fc.constantFrom(...APP_NAMES), { minLength: 1, maxLength: 3 })
  .chain((names) => fc.tuple(...names.map((name) => container(name))));

/** Init containers whose names differ from the regular containers' (the API server requires unique names). */
const initContainers = (taken: readonly string[]) =>
  fc
    .uniqueArray(fc.constantFrom(...INIT_NAMES.filter((name) => !taken.includes(name))), { maxLength: 2 })
    .chain((names) =>
      fc.tuple(
        ...names.map((name) =>
          fc.boolean().chain((native) => container(name, native ? { restartPolicy: 'Always' } : {})),
        ),
      ),
    );

/** The identity annotations: mostly complete combinations, sometimes one that lacks what it needs. */
const identityAnnotations = fc.record(
  {
    'mcp.io/tls-secret': maybe(fc.constant('mcp-tls'), 70),
    'mcp.io/tls-client-auth': maybe(fc.constantFrom('none', 'optional', 'require'), 20),
    'mcp.io/auth': maybe(weighted(['token', 2], ['jwt', 2], ['none', 1], ['basic', 1]), 25),
    'mcp.io/auth-secret': maybe(fc.constant('mcp-tokens'), 70),
    'mcp.io/jwt-jwks': maybe(fc.constant('https://issuer.example.com/jwks.json'), 40),
    'mcp.io/jwt-issuer': maybe(fc.constant('https://issuer.example.com'), 15),
    'mcp.io/jwt-audience': maybe(fc.constant('https://mcp.example.com/mcp'), 70),
    'mcp.io/policy-configmap': maybe(fc.constantFrom('mcp-policy', 'mcp-policy/rules.json'), 25),
    'mcp.io/otel-endpoint': maybe(weighted(['http://collector:4318', 4], ['collector:4317', 1]), 20),
    'sidecar.istio.io/status': maybe(fc.constant('{"containers":["istio-proxy"]}'), 10),
  },
  { requiredKeys: [] },
);

const INFRASTRUCTURE = new Set(['istio-proxy', 'linkerd-proxy', 'daprd']);

/** Mostly valid annotations (so most pods are injected), with the occasional invalid value or missing choice. */
function annotations(names: readonly string[]): fc.Arbitrary<Record<string, string>> {
  const apps = names.filter((name) => !INFRASTRUCTURE.has(name));
  const chosen =
    names.length > 1
      ? weighted<string | undefined>(
          ...apps.map((name): [string, number] => [name, Math.max(1, Math.round(8 / apps.length))]),
          [names[names.length - 1], 1],
          ['missing', 1],
          [undefined, 1],
        )
      : fc.constant(undefined);
  return fc
    .record({
      'mcp.io/inject': weighted(['true', 12], ['false', 1], ['yes', 1]),
      'mcp.io/container': chosen,
      'mcp.io/command': maybe(weighted(['["npx","-y","server"]', 4], ['["/bin/srv"]', 4], ['not json', 1]), 30),
      'mcp.io/port': maybe(weighted(['9090', 4], ['8080', 4], ['8081', 1], ['70000', 1]), 25),
      'mcp.io/native-sidecar': maybe(fc.constantFrom('true', 'false'), 25),
      'mcp.io/session-mode': maybe(fc.constantFrom('shared', 'per-session'), 25),
      'mcp.io/warmup': maybe(fc.constant('[{"method":"tools/list"}]'), 20),
      'mcp.io/sidecar-resources': maybe(fc.constant('{"requests":{"cpu":"20m","memory":"32Mi"}}'), 20),
      'kubectl.kubernetes.io/default-container': maybe(fc.constantFrom(...names), 25),
      'example.com/other': maybe(fc.constant('kept'), 30),
      identity: maybe(identityAnnotations, 35),
    })
    .map(({ identity, ...record }) => compact({ ...record, ...identity }) as Record<string, string>);
}

const owner = fc.constantFrom(
  { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs-1', uid: 'u1', controller: true },
  { apiVersion: 'batch/v1', kind: 'Job', name: 'job-1', uid: 'u2', controller: true },
);

/** A pod as the API server would pass it to the webhook. */
export const podArbitrary: fc.Arbitrary<Json> = containers
  .chain((apps) => fc.tuple(fc.constant(apps), initContainers(apps.map((c) => String(c.name)))))
  .chain(([apps, inits]) =>
    fc
      .record({
        annotations: annotations(apps.map((c) => String(c.name))),
        generateName: fc.boolean(),
        owner: maybe(owner),
        hostNetwork: maybe(fc.constant(true), 3),
        restartPolicy: maybe(fc.constantFrom('Always', 'OnFailure', 'Never')),
        podSecurity: maybe(securityContext),
        fooBar: maybe(fc.constant({ enabled: true }), 10),
        volumes: fc.constant(VOLUMES.map((name) => ({ name, emptyDir: {} }))),
      })
      .map((extra) => ({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: compact({
          ...(extra.generateName ? { generateName: 'gen-' } : { name: 'pod-1', namespace: 'ns' }),
          annotations: extra.annotations,
          ownerReferences: extra.owner ? [extra.owner] : undefined,
        }),
        spec: compact({
          containers: apps,
          initContainers: inits.length > 0 ? inits : undefined,
          volumes: extra.volumes,
          hostNetwork: extra.hostNetwork,
          restartPolicy: extra.restartPolicy,
          securityContext: extra.podSecurity,
          fooBar: extra.fooBar,
        }),
      })),
  );
