// The Kubernetes manifests: every YAML under manifests/ is loaded, kustomizations are rendered (a small helper;
// cross-checked against `kubectl kustomize` when kubectl is installed), every object is validated against the API
// schema (kubernetes-models), and the invariants the injector's safety rests on are asserted. The examples are
// injected with the injector's own library and the results validated too. No cluster is involved.

import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

import { ANNOTATIONS, INJECTION, NAMESPACE_LABEL, NAMESPACE_LABEL_VALUE, PORTS } from '@mcp-sidecar/contract';

import { FLAGS } from '../webhook/src/cli/flags.ts';
import { injectorConfig } from '../webhook/src/core/config.ts';
import { injectYamlStream } from '../webhook/src/core/workloads.ts';
import { MUTATE_PATH } from '../webhook/src/server/mutate-handler.ts';
import { apiCallsIn } from './manifests/api-calls.ts';
import {
  kustomizationFile,
  loadYaml,
  parseYaml,
  readKustomization,
  renderKustomization,
} from './manifests/kustomize.ts';
import {
  type Container,
  containersOf,
  type Json,
  type KubeObject,
  type LabelSelector,
  objectId,
  podSpecProblems,
  restrictedViolations,
  schemaProblems,
  selects,
} from './manifests/objects.ts';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const MANIFESTS = join(REPO, 'manifests');
const BASE = join(MANIFESTS, 'base');
const CERT_MANAGER = join(MANIFESTS, 'overlays/cert-manager');
const EXAMPLES = join(MANIFESTS, 'examples');

const SYSTEM_NAMESPACE = 'mcp-system';
const SECRET_NAME = FLAGS.secretName.default;
const SERVICE_NAME = FLAGS.serviceName.default;
const WEBHOOK_CONFIG_NAME = FLAGS.webhookConfigName.default;

const base = renderKustomization(BASE);
const certManager = renderKustomization(CERT_MANAGER);

// ------------------------------------------------------------------------------------------------------------------
// Lookups

function find<T = Json>(objects: readonly KubeObject[], kind: string, name?: string): KubeObject & T {
  const found = objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  if (found.length !== 1) throw new Error(`expected one ${kind}${name ? `/${name}` : ''}, found ${found.length}`);
  return found[0] as KubeObject & T;
}

interface Webhook {
  name: string;
  admissionReviewVersions: string[];
  sideEffects: string;
  timeoutSeconds?: number;
  failurePolicy?: string;
  reinvocationPolicy?: string;
  rules: { operations: string[]; apiGroups: string[]; apiVersions: string[]; resources: string[] }[];
  namespaceSelector?: LabelSelector;
  objectSelector?: LabelSelector;
  matchConditions?: { name: string; expression: string }[];
  clientConfig: {
    caBundle?: string;
    url?: string;
    service?: { name: string; namespace: string; path?: string; port?: number };
  };
}
type WebhookConfiguration = KubeObject & { webhooks: Webhook[] };

interface PolicyRule {
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  verbs: string[];
  nonResourceURLs?: string[];
}

interface PodTemplate {
  metadata: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: Json & { containers: Container[]; initContainers?: Container[]; volumes?: Json[] };
}

const templateOf = (workload: KubeObject): PodTemplate => (workload.spec as { template: PodTemplate }).template;
const injectorDeployment = (objects: readonly KubeObject[]) => find(objects, 'Deployment', 'mcp-injector');
const injectorContainer = (objects: readonly KubeObject[]): Container => {
  const [container, ...others] = templateOf(injectorDeployment(objects)).spec.containers;
  expect(others).toEqual([]);
  return container!;
};
const webhookConfiguration = (objects: readonly KubeObject[]): WebhookConfiguration =>
  find<{ webhooks: Webhook[] }>(objects, 'MutatingWebhookConfiguration', WEBHOOK_CONFIG_NAME);

/** A container port given by number or by name, as a number. */
function portNumber(container: Container, port: unknown): number | undefined {
  if (typeof port === 'number') return port;
  const ports = (container.ports as { name?: string; containerPort: number }[] | undefined) ?? [];
  return ports.find((p) => p.name === port)?.containerPort;
}

function hasKubectl(): boolean {
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore', timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

// ------------------------------------------------------------------------------------------------------------------
describe('every manifest file', () => {
  const yamlFiles = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true, recursive: true })
      .filter((entry) => entry.isFile() && /\.ya?ml$/.test(entry.name))
      .map((entry) => join(entry.parentPath, entry.name))
      .sort();
  const files = yamlFiles(MANIFESTS);

  it('are found', () => {
    expect(files.length).toBeGreaterThanOrEqual(15);
  });

  it.each(files.map((file) => [file.slice(MANIFESTS.length + 1), file]))('%s parses', (_, file) => {
    const documents = loadYaml(file);
    expect(documents.length).toBeGreaterThan(0);
  });

  it('kustomizations list every YAML file in their folder (resources or patches), and only existing ones', () => {
    for (const dir of [BASE, CERT_MANAGER]) {
      const kustomization = readKustomization(dir);
      const listed = [
        ...(kustomization.resources ?? []),
        ...(kustomization.patches ?? []).flatMap((p) => (p.path ? [p.path] : [])),
      ];
      const local = readdirSync(dir).filter((n) => /\.ya?ml$/.test(n) && n !== 'kustomization.yaml');
      expect(listed.filter((entry) => !entry.startsWith('..')).sort(), dir).toEqual(local.sort());
      for (const entry of listed) expect(existsSync(join(dir, entry)), `${dir}: ${entry}`).toBe(true);
    }
  });
});

// ------------------------------------------------------------------------------------------------------------------
describe('manifests/base (self-managed TLS)', () => {
  it('renders the injector and nothing else', () => {
    expect(base.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
      'ClusterRole/mcp-injector-webhook-ca',
      'ClusterRoleBinding/mcp-injector-webhook-ca',
      'Deployment/mcp-injector',
      `MutatingWebhookConfiguration/${WEBHOOK_CONFIG_NAME}`,
      `Namespace/${SYSTEM_NAMESPACE}`,
      'PodDisruptionBudget/mcp-injector',
      'Role/mcp-injector-tls',
      'RoleBinding/mcp-injector-tls',
      `Service/${SERVICE_NAME}`,
      'ServiceAccount/mcp-injector',
    ]);
  });

  it('validates against the Kubernetes API schema', () => {
    expect(base.flatMap(schemaProblems)).toEqual([]);
  });

  it('puts every namespaced object in mcp-system, and no cluster-scoped one in a namespace', () => {
    const clusterScoped = ['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'MutatingWebhookConfiguration'];
    for (const o of base) {
      expect(o.metadata.namespace, objectId(o)).toBe(clusterScoped.includes(o.kind) ? undefined : SYSTEM_NAMESPACE);
    }
  });

  describe('MutatingWebhookConfiguration', () => {
    const config = webhookConfiguration(base);
    const [webhook, ...others] = config.webhooks;

    it('has one webhook, on CREATE of v1 pods only', () => {
      expect(others).toEqual([]);
      expect(webhook!.rules).toEqual([
        { operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'], scope: 'Namespaced' },
      ]);
    });

    it('is safe under dry-run and re-invocation: v1 only, sideEffects None, timeout <= 10 s, IfNeeded', () => {
      expect(webhook!.admissionReviewVersions).toEqual(['v1']);
      expect(webhook!.sideEffects).toBe('None');
      expect(webhook!.timeoutSeconds).toBeGreaterThanOrEqual(1);
      expect(webhook!.timeoutSeconds).toBeLessThanOrEqual(10);
      expect(webhook!.reinvocationPolicy).toBe('IfNeeded');
    });

    it('sets failurePolicy explicitly, with a comment saying why', () => {
      expect(['Fail', 'Ignore']).toContain(webhook!.failurePolicy);
      const text = readFileSync(join(BASE, 'mutatingwebhookconfiguration.yaml'), 'utf8');
      expect(text).toMatch(/(\n\s*#[^\n]*){3,}\n\s*failurePolicy: (Fail|Ignore)\n/);
    });

    it('only sees namespaces labelled for injection, never kube-system, kube-public, kube-node-lease or mcp-system', () => {
      const selector = webhook!.namespaceSelector;
      const namespace = (name: string, labels: Record<string, string> = {}) =>
        selects(selector, { 'kubernetes.io/metadata.name': name, ...labels });
      const enabled = { [NAMESPACE_LABEL]: NAMESPACE_LABEL_VALUE };
      expect(namespace('mcp-demo', enabled)).toBe(true);
      expect(namespace('mcp-demo')).toBe(false);
      expect(namespace('mcp-demo', { [NAMESPACE_LABEL]: 'disabled' })).toBe(false);
      for (const system of ['kube-system', 'kube-public', 'kube-node-lease', SYSTEM_NAMESPACE]) {
        expect(namespace(system, enabled), system).toBe(false);
      }
    });

    it("never sees the injector's own pods, whatever their namespace", () => {
      const injectorPodLabels = templateOf(injectorDeployment(base)).metadata.labels;
      expect(selects(webhook!.objectSelector, injectorPodLabels)).toBe(false);
      expect(selects(webhook!.objectSelector, { 'app.kubernetes.io/name': 'everything' })).toBe(true);
    });

    it('only receives pods annotated mcp.io/inject: "true" (matchConditions)', () => {
      const conditions = webhook!.matchConditions ?? [];
      expect(conditions).toHaveLength(1);
      const expression = conditions[0]!.expression.replace(/\s+/g, ' ').trim();
      const key = ANNOTATIONS.inject;
      expect(expression).toBe(
        `has(object.metadata.annotations) && '${key}' in object.metadata.annotations && ` +
          `object.metadata.annotations['${key}'] == 'true'`,
      );
    });

    it('calls the Service on 443 at the path the injector serves, with no caBundle (self-managed)', () => {
      const service = find(base, 'Service', SERVICE_NAME);
      expect(webhook!.clientConfig).toEqual({
        service: { name: SERVICE_NAME, namespace: SYSTEM_NAMESPACE, path: MUTATE_PATH, port: 443 },
      });
      expect((service.spec as { ports: { port: number }[] }).ports.map((p) => p.port)).toContain(443);
      expect(config.metadata.annotations ?? {}).toEqual({});
    });
  });

  describe('RBAC', () => {
    const roles = base.filter((o) => o.kind === 'Role' || o.kind === 'ClusterRole');
    const rules = roles.flatMap((role) => (role.rules as PolicyRule[]).map((rule) => ({ role, rule })));

    it('has no wildcards and no non-resource URLs', () => {
      for (const { role, rule } of rules) {
        const fields = [rule.apiGroups, rule.resources, rule.verbs, rule.resourceNames ?? []].flat();
        expect(
          fields.filter((f) => f?.includes('*')),
          role.metadata.name,
        ).toEqual([]);
        expect(rule.nonResourceURLs, role.metadata.name).toBeUndefined();
      }
    });

    it('limits every rule by resourceNames, except create (which Kubernetes cannot limit by name)', () => {
      for (const { role, rule } of rules) {
        if (rule.resourceNames === undefined) {
          expect(rule.verbs, `${role.metadata.name}: a rule without resourceNames`).toEqual(['create']);
          expect(role.kind, 'an unnamed create is confined to the namespace').toBe('Role');
        } else {
          expect(rule.verbs, role.metadata.name).not.toContain('create');
        }
      }
    });

    it('names only the TLS Secret and the webhook configuration', () => {
      const named = rules.flatMap(({ rule }) => rule.resourceNames ?? []).sort();
      expect([...new Set(named)]).toEqual([SECRET_NAME, WEBHOOK_CONFIG_NAME].sort());
      const secretRules = rules.filter(({ rule }) => rule.resources?.includes('secrets'));
      for (const { role } of secretRules) expect(role.kind).toBe('Role');
    });

    it('grants exactly the API calls webhook/src makes (read from the source)', () => {
      const code = apiCallsIn(join(REPO, 'webhook/src'));
      expect(code.watches, 'watches or informers need list/watch grants').toEqual([]);
      const granted = new Map<string, Set<string>>();
      for (const { rule } of rules) {
        for (const group of rule.apiGroups ?? []) {
          for (const resource of rule.resources ?? []) {
            const key = `${group}/${resource}`;
            granted.set(key, new Set([...(granted.get(key) ?? []), ...rule.verbs]));
          }
        }
      }
      const sorted = (map: Map<string, Set<string>>): Record<string, string[]> =>
        Object.fromEntries([...map].map(([key, verbs]): [string, string[]] => [key, [...verbs].sort()]).sort());
      expect(sorted(granted), `calls found: ${code.calls.join(', ')}`).toEqual(sorted(code.grants));
      expect(sorted(granted)).toEqual({
        '/secrets': ['create', 'get', 'update'],
        'admissionregistration.k8s.io/mutatingwebhookconfigurations': ['get', 'patch'],
      });
    });

    it("binds each role to the injector's ServiceAccount, which the Deployment uses", () => {
      const account = find(base, 'ServiceAccount');
      const bindings = base.filter((o) => o.kind === 'RoleBinding' || o.kind === 'ClusterRoleBinding');
      expect(bindings.map((b) => (b.roleRef as { name: string }).name).sort()).toEqual(
        roles.map((r) => r.metadata.name).sort(),
      );
      for (const binding of bindings) {
        expect(binding.subjects).toEqual([
          { kind: 'ServiceAccount', name: account.metadata.name, namespace: SYSTEM_NAMESPACE },
        ]);
      }
      expect(templateOf(injectorDeployment(base)).spec.serviceAccountName).toBe(account.metadata.name);
    });
  });

  describe('Deployment', () => {
    const deployment = injectorDeployment(base);
    const spec = deployment.spec as Json & { replicas: number; strategy: Json; selector: LabelSelector };
    const pod = templateOf(deployment);
    const container = injectorContainer(base);

    it('runs 2 replicas with a rollout that never lowers capacity, spread over nodes', () => {
      expect(spec.replicas).toBe(2);
      expect(spec.strategy).toMatchObject({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0 } });
      const antiAffinity = (pod.spec.affinity as Json | undefined)?.podAntiAffinity as Json | undefined;
      const terms = [
        ...((antiAffinity?.preferredDuringSchedulingIgnoredDuringExecution as { podAffinityTerm: Json }[]) ?? []).map(
          (t) => t.podAffinityTerm,
        ),
        ...((antiAffinity?.requiredDuringSchedulingIgnoredDuringExecution as Json[]) ?? []),
      ];
      expect(terms.some((t) => t.topologyKey === 'kubernetes.io/hostname')).toBe(true);
      for (const term of terms) expect(selects(term.labelSelector as LabelSelector, pod.metadata.labels)).toBe(true);
    });

    it('serves with --bootstrap-tls, its namespace from the downward API', () => {
      expect(container.args).toEqual(expect.arrayContaining(['serve', '--bootstrap-tls']));
      expect(container.env).toContainEqual({
        name: 'POD_NAMESPACE',
        valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } },
      });
      expect(container.args).toEqual(expect.arrayContaining(['--port', String(PORTS.webhook)]));
      expect(container.args).toEqual(expect.arrayContaining(['--admin-port', String(PORTS.webhookAdmin)]));
      // The injector binds loopback unless told otherwise; the API server and the kubelet come in on the pod IP.
      expect(container.args).toEqual(expect.arrayContaining(['--host', '0.0.0.0']));
    });

    it('probes the admin port: startup and liveness on /healthz, readiness on /readyz', () => {
      const probe = (name: string) => (container[name] as { httpGet: { path: string; port: unknown } }).httpGet;
      for (const [name, path] of [
        ['startupProbe', '/healthz'],
        ['livenessProbe', '/healthz'],
        ['readinessProbe', '/readyz'],
      ] as const) {
        expect(probe(name).path, name).toBe(path);
        expect(portNumber(container, probe(name).port), name).toBe(PORTS.webhookAdmin);
      }
    });

    it('meets the restricted Pod Security Standard, with a fixed uid and a read-only root', () => {
      expect(restrictedViolations(pod.spec)).toEqual([]);
      expect(container.securityContext).toMatchObject({
        runAsNonRoot: true,
        runAsUser: 65532,
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ['ALL'] },
        seccompProfile: { type: 'RuntimeDefault' },
      });
      expect(pod.spec.securityContext).toMatchObject({
        runAsNonRoot: true,
        seccompProfile: { type: 'RuntimeDefault' },
      });
      expect(podSpecProblems(pod.spec)).toEqual([]);
    });

    it('declares requests and limits for cpu and memory', () => {
      const resources = container.resources as { requests: Json; limits: Json };
      for (const kind of ['requests', 'limits'] as const) {
        expect(Object.keys(resources[kind]).sort(), kind).toEqual(['cpu', 'memory']);
      }
    });

    it('is selected by the Service (443 → the webhook port) and the PodDisruptionBudget', () => {
      expect(selects(spec.selector, pod.metadata.labels)).toBe(true);
      const service = find(base, 'Service', SERVICE_NAME);
      const serviceSpec = service.spec as { selector: Record<string, string>; ports: Json[] };
      expect(selects({ matchLabels: serviceSpec.selector }, pod.metadata.labels)).toBe(true);
      expect(serviceSpec.ports).toHaveLength(1);
      expect(serviceSpec.ports[0]).toMatchObject({ port: 443 });
      expect(portNumber(container, serviceSpec.ports[0]!.targetPort)).toBe(PORTS.webhook);
      const pdb = find<{ spec: { minAvailable: number; selector: LabelSelector } }>(base, 'PodDisruptionBudget');
      expect(selects(pdb.spec.selector, pod.metadata.labels)).toBe(true);
      expect(pdb.spec.minAvailable).toBeGreaterThanOrEqual(1);
      expect(pdb.spec.minAvailable).toBeLessThan(spec.replicas);
    });

    it('injects the image the sidecar Dockerfile builds, and runs the image the webhook Dockerfile builds', () => {
      expect(container.env).toContainEqual({ name: 'MCP_INJECTOR_SIDECAR_IMAGE', value: FLAGS.sidecarImage.default });
      expect(container.image).toMatch(/\/mcp-injector:/);
      expect(container.command).toBeUndefined(); // the image's ENTRYPOINT (mcp-injector) runs
    });
  });

  it('enforces Pod Security "restricted" in mcp-system', () => {
    const namespace = find(base, 'Namespace', SYSTEM_NAMESPACE);
    expect(namespace.metadata.labels?.['pod-security.kubernetes.io/enforce']).toBe('restricted');
  });
});

// ------------------------------------------------------------------------------------------------------------------
describe('manifests/overlays/cert-manager', () => {
  it('validates against the Kubernetes API schema (cert-manager kinds: required fields)', () => {
    expect(certManager.flatMap(schemaProblems)).toEqual([]);
  });

  it('is the base minus the bootstrap RBAC, plus an Issuer and a Certificate', () => {
    const ids = (objects: readonly KubeObject[]) => objects.map((o) => `${o.kind}/${o.metadata.name}`).sort();
    const removed = ids(base).filter((id) => !ids(certManager).includes(id));
    const added = ids(certManager).filter((id) => !ids(base).includes(id));
    expect(removed).toEqual([
      'ClusterRole/mcp-injector-webhook-ca',
      'ClusterRoleBinding/mcp-injector-webhook-ca',
      'Role/mcp-injector-tls',
      'RoleBinding/mcp-injector-tls',
    ]);
    expect(added).toEqual(['Certificate/mcp-injector', 'Issuer/mcp-injector-selfsigned']);
  });

  it('patches the base rather than copying it: objects it does not patch are unchanged', () => {
    for (const object of certManager) {
      const original = base.find((o) => objectId(o) === objectId(object));
      if (!original || ['Deployment', 'MutatingWebhookConfiguration'].includes(object.kind)) continue;
      expect(object, objectId(object)).toEqual(original);
    }
    const overlayFiles = readdirSync(CERT_MANAGER).filter((n) => n !== 'kustomization.yaml');
    const baseIds = new Set(base.map(objectId));
    const resources = readKustomization(CERT_MANAGER).resources ?? [];
    for (const file of overlayFiles.filter((f) => resources.includes(f))) {
      for (const o of loadYaml(join(CERT_MANAGER, file))) expect(baseIds.has(objectId(o)), file).toBe(false);
    }
  });

  it('serves the mounted Certificate Secret in files mode, without --bootstrap-tls or an API token', () => {
    const container = injectorContainer(certManager);
    const pod = templateOf(injectorDeployment(certManager));
    const certificate = find<{ spec: { secretName: string } }>(certManager, 'Certificate');
    const args = container.args as string[];
    expect(args).not.toContain('--bootstrap-tls');
    const cert = args[args.indexOf('--tls-cert') + 1];
    const key = args[args.indexOf('--tls-key') + 1];
    const volume = (pod.spec.volumes ?? []).find(
      (v) => (v.secret as Json | undefined)?.secretName === certificate.spec.secretName,
    );
    expect(volume).toBeDefined();
    const mount = (container.volumeMounts as Json[]).find((m) => m.name === volume!.name);
    expect(mount).toMatchObject({ readOnly: true });
    expect(cert).toBe(`${String(mount!.mountPath)}/tls.crt`);
    expect(key).toBe(`${String(mount!.mountPath)}/tls.key`);
    expect(pod.spec.automountServiceAccountToken).toBe(false);
    expect(restrictedViolations(pod.spec)).toEqual([]);
    expect(podSpecProblems(pod.spec)).toEqual([]);
  });

  it("has cert-manager inject the Certificate's CA into the webhook, with no caBundle rendered", () => {
    const config = webhookConfiguration(certManager);
    const certificate = find(certManager, 'Certificate');
    expect(config.metadata.annotations?.['cert-manager.io/inject-ca-from']).toBe(
      `${certificate.metadata.namespace}/${certificate.metadata.name}`,
    );
    for (const webhook of config.webhooks) expect(webhook.clientConfig.caBundle).toBeUndefined();
    expect(config.webhooks).toEqual(webhookConfiguration(base).webhooks);
  });

  it('issues the certificate for the Service DNS names from an Issuer in the same namespace', () => {
    const certificate = find<{ spec: { dnsNames: string[]; issuerRef: { kind: string; name: string } } }>(
      certManager,
      'Certificate',
    );
    const issuer = find(certManager, 'Issuer');
    expect(certificate.metadata.namespace).toBe(SYSTEM_NAMESPACE);
    expect(issuer.metadata.namespace).toBe(SYSTEM_NAMESPACE);
    expect(certificate.spec.issuerRef).toEqual({ kind: 'Issuer', name: issuer.metadata.name });
    expect(certificate.spec.dnsNames).toEqual(
      expect.arrayContaining([
        `${SERVICE_NAME}.${SYSTEM_NAMESPACE}.svc`,
        `${SERVICE_NAME}.${SYSTEM_NAMESPACE}.svc.cluster.local`,
      ]),
    );
  });
});

// ------------------------------------------------------------------------------------------------------------------
describe.skipIf(!hasKubectl())('the kustomize helper agrees with kubectl kustomize', () => {
  it.each([
    ['base', BASE],
    ['cert-manager', CERT_MANAGER],
  ])('%s', (_, dir) => {
    const byId = (objects: readonly KubeObject[]) =>
      Object.fromEntries(objects.map((o) => [objectId(o), o] as const).sort(([a], [b]) => a.localeCompare(b)));
    const kubectl = parseYaml(
      execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8' }),
      `kubectl kustomize ${dir}`,
    );
    expect(byId(renderKustomization(dir))).toEqual(byId(kubectl));
  });
});

// ------------------------------------------------------------------------------------------------------------------
describe('manifests/examples', () => {
  const examples = readdirSync(EXAMPLES)
    .filter((n) => /\.ya?ml$/.test(n))
    .map((name) => ({ name, file: join(EXAMPLES, name), objects: loadYaml(join(EXAMPLES, name)) }));
  const workloadKinds = ['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'Pod'];
  const webhook = webhookConfiguration(base).webhooks[0]!;

  it('are there and have no kustomization (kubectl apply -f manifests/examples/ applies them)', () => {
    expect(examples.map((e) => e.name).sort()).toEqual([
      'http-server.yaml',
      'python-pty-server.yaml',
      'python-stdio-server.yaml',
      'server-everything.yaml',
    ]);
    expect(existsSync(kustomizationFile(EXAMPLES))).toBe(false);
  });

  describe.each(examples)('$name', ({ file, objects }) => {
    const workloads = objects.filter((o) => workloadKinds.includes(o.kind));
    const templates = workloads.map((w) => (w.kind === 'Pod' ? (w as unknown as PodTemplate) : templateOf(w)));

    it('validates against the Kubernetes API schema', () => {
      expect(objects.flatMap(schemaProblems)).toEqual([]);
    });

    it('has annotated pod templates whose server container is named "server"', () => {
      expect(workloads.length).toBeGreaterThan(0);
      for (const template of templates) {
        expect(template.metadata.annotations?.[ANNOTATIONS.inject]).toBe('true');
        const names = template.spec.containers.map((c) => c.name);
        expect(names).toContain('server');
      }
    });

    it('declares its namespace, labelled for injection, and the webhook would be called for its pods', () => {
      const namespaces = new Set(objects.flatMap((o) => (o.metadata.namespace ? [o.metadata.namespace] : [])));
      for (const name of namespaces) {
        const namespace = find(objects, 'Namespace', name);
        expect(namespace.metadata.labels?.[NAMESPACE_LABEL]).toBe(NAMESPACE_LABEL_VALUE);
        const labels = { ...namespace.metadata.labels, 'kubernetes.io/metadata.name': name };
        expect(selects(webhook.namespaceSelector, labels), name).toBe(true);
      }
      for (const template of templates) expect(selects(webhook.objectSelector, template.metadata.labels)).toBe(true);
    });

    it.each(['native', 'classic'] as const)(
      'injects (%s layout) into valid, restricted, idempotent objects',
      (mode) => {
        const config = injectorConfig({ sidecarMode: mode });
        const text = readFileSync(file, 'utf8');
        const first = injectYamlStream(text, config);
        if (!first.ok) throw new Error(first.errors.join('\n'));
        expect(first.reports.map((r) => r.decision)).toEqual(workloads.map(() => 'injected'));
        const injected = parseYaml(first.yaml, `${file} (injected)`);
        expect(injected.flatMap(schemaProblems)).toEqual([]);
        for (const workload of injected.filter((o) => workloadKinds.includes(o.kind))) {
          const spec = templateOf(workload).spec;
          expect(podSpecProblems(spec), objectId(workload)).toEqual([]);
          expect(restrictedViolations(spec), objectId(workload)).toEqual([]);
          const bridge = containersOf(spec).find((c) => c.name === INJECTION.sidecarContainer);
          const inInit = (spec.initContainers ?? []).includes(bridge!);
          expect(inInit, 'bridge position').toBe(mode === 'native');
          expect(bridge!.image).toBe(FLAGS.sidecarImage.default);
        }
        const again = injectYamlStream(first.yaml, config);
        if (!again.ok) throw new Error(again.errors.join('\n'));
        expect(parseYaml(again.yaml, 'reinjected')).toEqual(injected);
      },
    );
  });

  const injectedSpec = (name: string) => {
    const result = injectYamlStream(readFileSync(join(EXAMPLES, name), 'utf8'), injectorConfig());
    if (!result.ok) throw new Error(result.errors.join('\n'));
    const workload = parseYaml(result.yaml, name).find((o) => o.kind === 'Deployment')!;
    return templateOf(workload).spec;
  };

  it('http-server.yaml: only the bridge is added, in front of the unchanged HTTP server', () => {
    const spec = injectedSpec('http-server.yaml');
    const names = containersOf(spec).map((c) => c.name);
    expect(names).not.toContain(INJECTION.shimInstallContainer);
    const server = spec.containers.find((c) => c.name === 'server')!;
    expect(server.command).toEqual(['npx', '-y', '@modelcontextprotocol/server-everything', 'streamableHttp']);
    const bridge = containersOf(spec).find((c) => c.name === INJECTION.sidecarContainer)!;
    expect(bridge.args).toEqual(expect.arrayContaining(['--upstream', 'http://127.0.0.1:3001/mcp']));
    expect(bridge.volumeMounts).toBeUndefined();
  });

  it('python-pty-server.yaml: the server runs through mcp-shim --pty', () => {
    const server = injectedSpec('python-pty-server.yaml').containers.find((c) => c.name === 'server')!;
    expect(server.command).toEqual([
      INJECTION.shimPath,
      '--listen',
      INJECTION.socketPath,
      '--pty',
      '--',
      'python3',
      '/app/server.py',
    ]);
  });
});

// ------------------------------------------------------------------------------------------------------------------
describe('manifests/examples/mesh (needs Istio, so not in kubectl apply -f manifests/examples/)', () => {
  const file = join(EXAMPLES, 'mesh', 'istio-server-everything.yaml');
  const objects = loadYaml(file);
  const webhook = webhookConfiguration(base).webhooks[0]!;

  it('validates, and its namespace is selected by both Istio (istio-injection) and mcp-injector', () => {
    expect(objects.flatMap(schemaProblems)).toEqual([]);
    const namespace = find(objects, 'Namespace');
    expect(namespace.metadata.labels?.['istio-injection']).toBe('enabled');
    const labels = { ...namespace.metadata.labels, 'kubernetes.io/metadata.name': namespace.metadata.name };
    expect(selects(webhook.namespaceSelector, labels)).toBe(true);
  });

  it('injects into a restricted pod whose bridge has exec probes and traces named after the app', () => {
    const result = injectYamlStream(readFileSync(file, 'utf8'), injectorConfig());
    if (!result.ok) throw new Error(result.errors.join('\n'));
    const spec = templateOf(find(parseYaml(result.yaml, file), 'Deployment')).spec;
    expect(podSpecProblems(spec)).toEqual([]);
    expect(restrictedViolations(spec)).toEqual([]);
    const bridge = containersOf(spec).find((c) => c.name === INJECTION.sidecarContainer)!;
    for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe']) {
      expect((bridge[probe] as { exec?: { command: string[] } }).exec?.command[1], probe).toBe('--probe');
    }
    expect(bridge.env).toContainEqual({ name: 'OTEL_SERVICE_NAME', value: 'everything' });
  });
});

// ------------------------------------------------------------------------------------------------------------------
describe('Dockerfiles', () => {
  interface Stage {
    readonly from: string;
    readonly lines: string[];
  }
  /** Stages of a Dockerfile, continuation lines joined, comments dropped. */
  const stages = (file: string): Stage[] => {
    const lines = readFileSync(join(REPO, file), 'utf8')
      .replace(/\\\n/g, ' ')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('#'));
    const result: Stage[] = [];
    for (const line of lines) {
      if (/^FROM\s/i.test(line)) result.push({ from: line, lines: [] });
      else result.at(-1)?.lines.push(line);
    }
    return result;
  };
  const instruction = (stage: Stage, name: string) => stage.lines.filter((l) => l.startsWith(`${name} `));

  it.each(['Dockerfile.sidecar', 'Dockerfile.webhook'])(
    '%s: every stage that runs npm declares NPM_CONFIG_REGISTRY and NODE_EXTRA_CA_CERTS',
    (file) => {
      const npmStages = stages(file).filter((stage) => instruction(stage, 'RUN').some((run) => /\bnpm\b/.test(run)));
      expect(npmStages.length).toBeGreaterThan(0);
      // ARGs are scoped to their stage (a stage FROM another one does not inherit them), so each declares its own.
      for (const stage of npmStages) {
        expect(instruction(stage, 'ARG'), stage.from).toEqual(
          expect.arrayContaining(['ARG NPM_CONFIG_REGISTRY', 'ARG NODE_EXTRA_CA_CERTS']),
        );
      }
    },
  );

  it('Dockerfile.sidecar: a non-root node:24-slim image with the shim where the injector looks, binding 0.0.0.0', () => {
    const final = stages('Dockerfile.sidecar').at(-1)!;
    expect(final.from).toBe('FROM ${NODE_IMAGE}');
    expect(readFileSync(join(REPO, 'Dockerfile.sidecar'), 'utf8')).toMatch(/^ARG NODE_IMAGE=node:24-slim$/m);
    expect(instruction(final, 'USER')).toEqual(['USER 65532:65532']);
    expect(instruction(final, 'ENTRYPOINT')).toEqual(['ENTRYPOINT ["mcp-sidecar"]']);
    expect(instruction(final, 'EXPOSE')).toEqual([`EXPOSE ${PORTS.mcp} ${PORTS.admin}`]);
    expect(instruction(final, 'COPY').some((c) => c.endsWith(` ${INJECTION.shimInImage}`))).toBe(true);
    const env = instruction(final, 'ENV').join(' ');
    expect(env).toMatch(/MCP_SIDECAR_HOST=0\.0\.0\.0/);
    expect(env).toMatch(/MCP_SIDECAR_ADMIN_HOST=0\.0\.0\.0/);
    expect(env).toMatch(/HOME=\/home\//);
    expect(instruction(final, 'COPY').filter((c) => /\/src\/(sidecar|packages\/\w+)\/src/.test(c))).toEqual([]);
  });

  it('Dockerfile.webhook: a non-root image running mcp-injector serve', () => {
    const final = stages('Dockerfile.webhook').at(-1)!;
    expect(instruction(final, 'USER')).toEqual(['USER 65532:65532']);
    expect(instruction(final, 'ENTRYPOINT')).toEqual(['ENTRYPOINT ["mcp-injector"]']);
    expect(instruction(final, 'CMD')).toEqual(['CMD ["serve"]']);
    expect(instruction(final, 'EXPOSE')).toEqual([`EXPOSE ${PORTS.webhook} ${PORTS.webhookAdmin}`]);
    expect(instruction(final, 'ENV').join('\n')).toMatch(/MCP_INJECTOR_HOST=0\.0\.0\.0/);
    const container = injectorContainer(base);
    expect((container.securityContext as Json).runAsUser).toBe(65532);
  });

  it('.dockerignore keeps local builds and installs out of the build context', () => {
    const ignored = readFileSync(join(REPO, '.dockerignore'), 'utf8').split('\n');
    for (const pattern of ['**/node_modules', '**/dist', 'sidecar/shim/build', '.git'])
      expect(ignored).toContain(pattern);
    expect(ignored).toContain('!test/package.json');
  });
});
