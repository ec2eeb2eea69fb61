// Kubernetes objects as plain JSON, their schema validation (kubernetes-models, the OpenAPI schema of the API
// server's built-in kinds), label selectors, and the checks the restricted Pod Security Standard makes.

import { MutatingWebhookConfiguration } from 'kubernetes-models/admissionregistration.k8s.io/v1/MutatingWebhookConfiguration';
import { DaemonSet } from 'kubernetes-models/apps/v1/DaemonSet';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ClusterRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole';
import { ClusterRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding';
import { Role } from 'kubernetes-models/rbac.authorization.k8s.io/v1/Role';
import { RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { Pod } from 'kubernetes-models/v1/Pod';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';

export type Json = Record<string, unknown>;

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

export const objectId = (o: KubeObject): string =>
  `${o.apiVersion}/${o.kind}/${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;

type Model = new (data: never) => { validate(): void };

const MODELS: Readonly<Record<string, Model>> = {
  'v1/Namespace': Namespace,
  'v1/ServiceAccount': ServiceAccount,
  'v1/Service': Service,
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Pod': Pod,
  'apps/v1/Deployment': Deployment,
  'apps/v1/StatefulSet': StatefulSet,
  'apps/v1/DaemonSet': DaemonSet,
  'batch/v1/Job': Job,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'rbac.authorization.k8s.io/v1/Role': Role,
  'rbac.authorization.k8s.io/v1/RoleBinding': RoleBinding,
  'rbac.authorization.k8s.io/v1/ClusterRole': ClusterRole,
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': ClusterRoleBinding,
  'admissionregistration.k8s.io/v1/MutatingWebhookConfiguration': MutatingWebhookConfiguration,
};

/** cert-manager's kinds have no schema in kubernetes-models; these are the fields its CRDs require. */
const CERT_MANAGER_REQUIRED: Readonly<Record<string, readonly string[]>> = {
  'cert-manager.io/v1/Issuer': [],
  'cert-manager.io/v1/Certificate': ['secretName', 'issuerRef'],
};

/** Schema problems of one object; an empty list means valid. */
export function schemaProblems(object: KubeObject): string[] {
  const type = `${object.apiVersion}/${object.kind}`;
  const model = MODELS[type];
  const where = objectId(object);
  if (model) {
    try {
      new model(object as never).validate();
      return [];
    } catch (error) {
      return [`${where}: ${error instanceof Error ? error.message : String(error)}`];
    }
  }
  const required = CERT_MANAGER_REQUIRED[type];
  if (!required) return [`${where}: no schema known for ${type}`];
  const spec = object.spec as Json | undefined;
  if (!spec || typeof spec !== 'object') return [`${where}: spec is missing`];
  const issuerKinds = Object.keys(spec).filter((k) => ['selfSigned', 'ca', 'acme', 'vault', 'venafi'].includes(k));
  if (object.kind === 'Issuer' && issuerKinds.length !== 1) return [`${where}: exactly one issuer type expected`];
  return required.filter((field) => spec[field] === undefined).map((field) => `${where}: spec.${field} is missing`);
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: string[] }[];
}

/** Kubernetes label selector semantics (an empty selector matches everything). */
export function selects(selector: LabelSelector | undefined, labels: Record<string, string> = {}): boolean {
  const exact = Object.entries(selector?.matchLabels ?? {}).every(([key, value]) => labels[key] === value);
  return (
    exact &&
    (selector?.matchExpressions ?? []).every(({ key, operator, values = [] }) => {
      const has = Object.hasOwn(labels, key);
      if (operator === 'In') return has && values.includes(labels[key] ?? '');
      if (operator === 'NotIn') return !has || !values.includes(labels[key] ?? '');
      if (operator === 'Exists') return has;
      return !has;
    })
  );
}

export interface Container extends Json {
  name: string;
  securityContext?: Json;
}

export const containersOf = (spec: Json): Container[] => [
  ...((spec.initContainers as Container[] | undefined) ?? []),
  ...((spec.containers as Container[] | undefined) ?? []),
];

/**
 * What the restricted Pod Security Standard (the API server's PodSecurity admission) would reject in a pod spec,
 * with container settings falling back to the pod's securityContext as they do at run time.
 */
export function restrictedViolations(spec: Json): string[] {
  const pod = (spec.securityContext ?? {}) as Json;
  return containersOf(spec).flatMap((container) => {
    const sc = container.securityContext ?? {};
    const effective = (field: string): unknown => sc[field] ?? pod[field];
    const capabilities = (sc.capabilities ?? {}) as { drop?: string[]; add?: string[] };
    const seccomp = (effective('seccompProfile') ?? {}) as Json;
    const problems = [
      effective('runAsNonRoot') === true ? '' : 'runAsNonRoot is not true',
      effective('runAsUser') === 0 ? 'runAsUser is 0' : '',
      sc.allowPrivilegeEscalation === false ? '' : 'allowPrivilegeEscalation is not false',
      sc.privileged === true ? 'privileged' : '',
      capabilities.drop?.includes('ALL') ? '' : 'capabilities.drop lacks ALL',
      (capabilities.add ?? []).some((c) => c !== 'NET_BIND_SERVICE') ? 'adds capabilities' : '',
      ['RuntimeDefault', 'Localhost'].includes(String(seccomp.type)) ? '' : 'seccompProfile is not RuntimeDefault',
    ];
    return problems.filter(Boolean).map((problem) => `${container.name}: ${problem}`);
  });
}

/** Rules a schema cannot express: unique container names, mounts of declared volumes, probes only where allowed. */
export function podSpecProblems(spec: Json): string[] {
  const containers = containersOf(spec);
  const names = containers.map((c) => c.name);
  const volumes = new Set(((spec.volumes as Json[] | undefined) ?? []).map((v) => v.name));
  const problems = names.filter((n, i) => names.indexOf(n) !== i).map((n) => `duplicate container name ${n}`);
  for (const c of containers) {
    for (const mount of (c.volumeMounts as Json[] | undefined) ?? []) {
      if (!volumes.has(mount.name)) problems.push(`${c.name}: mounts undeclared volume ${String(mount.name)}`);
    }
  }
  for (const c of (spec.initContainers as Container[] | undefined) ?? []) {
    const probes = ['startupProbe', 'readinessProbe', 'livenessProbe'].filter((p) => c[p] !== undefined);
    if (c.restartPolicy !== 'Always' && probes.length > 0) problems.push(`${c.name}: probes on a run-once init`);
  }
  return problems;
}
