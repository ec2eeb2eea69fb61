// The parts of a Pod the injector reads or writes, as structural types over raw JSON, and a shape check that
// runs before anything else touches the object. Admission webhooks run before the API server validates the pod,
// so a malformed object must become a clear denial here rather than an exception deeper down.

import { isInteger, isObject, isStringArray, type JsonObject } from './json.ts';

export interface EnvVar extends JsonObject {
  name: string;
}

export interface VolumeMount extends JsonObject {
  name: string;
  mountPath: string;
}

export interface ContainerPort extends JsonObject {
  containerPort: number;
}

export interface SecurityContext extends JsonObject {
  runAsUser?: number;
  runAsGroup?: number;
}

export interface Container extends JsonObject {
  name: string;
  command?: string[];
  args?: string[];
  env?: EnvVar[];
  ports?: ContainerPort[];
  volumeMounts?: VolumeMount[];
  securityContext?: SecurityContext;
  restartPolicy?: string;
}

export interface Volume extends JsonObject {
  name: string;
}

export interface OwnerReference extends JsonObject {
  kind: string;
  name: string;
}

export interface PodMetadata extends JsonObject {
  name?: string;
  generateName?: string;
  namespace?: string;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
}

export interface PodSpec extends JsonObject {
  containers: Container[];
  initContainers?: Container[];
  ephemeralContainers?: Container[];
  volumes?: Volume[];
  hostNetwork?: boolean;
  restartPolicy?: string;
  securityContext?: SecurityContext;
  os?: { name?: string };
}

/** A Pod, or a workload's pod template (`{metadata, spec}`), as raw JSON. */
export interface PodObject extends JsonObject {
  metadata?: PodMetadata;
  spec: PodSpec;
}

type Check = (value: unknown, at: string) => string | undefined;

const optional =
  (check: Check): Check =>
  (value, at) =>
    value === undefined ? undefined : check(value, at);

const stringList: Check = (value, at) => (isStringArray(value) ? undefined : `${at} must be a list of strings`);
const integer: Check = (value, at) => (isInteger(value) ? undefined : `${at} must be an integer`);
const boolean: Check = (value, at) => (typeof value === 'boolean' ? undefined : `${at} must be true or false`);
const string: Check = (value, at) => (typeof value === 'string' ? undefined : `${at} must be a string`);

/** An object whose listed fields pass their checks (other fields are not looked at). */
const fields = (checks: Record<string, Check>): Check => {
  const entries = Object.entries(checks); // once per table, not once per object checked
  return (value, at) => {
    if (!isObject(value)) return `${at} must be an object`;
    for (const [key, check] of entries) {
      const problem = check(value[key], `${at}.${key}`);
      if (problem) return problem;
    }
    return undefined;
  };
};

const listOf =
  (check: Check): Check =>
  (value, at) => {
    if (!Array.isArray(value)) return `${at} must be a list`;
    for (const [index, item] of value.entries()) {
      const problem = check(item, `${at}[${index}]`);
      if (problem) return problem;
    }
    return undefined;
  };

const stringMap: Check = (value, at) => {
  if (!isObject(value)) return `${at} must be an object`;
  const bad = Object.entries(value).find(([, item]) => typeof item !== 'string');
  return bad ? `${at}["${bad[0]}"] must be a string (quote it in YAML, e.g. "true")` : undefined;
};

const securityContext = optional(fields({ runAsUser: optional(integer), runAsGroup: optional(integer) }));

const container = fields({
  name: string,
  command: optional(stringList),
  args: optional(stringList),
  env: optional(listOf(fields({ name: string }))),
  ports: optional(listOf(fields({ containerPort: integer }))),
  volumeMounts: optional(listOf(fields({ name: string, mountPath: string }))),
  securityContext,
  restartPolicy: optional(string),
});

const containers: Check = (value, at) =>
  Array.isArray(value) && value.length === 0 ? `${at} must list at least one container` : listOf(container)(value, at);

const podShape = fields({
  metadata: optional(
    fields({
      name: optional(string),
      generateName: optional(string),
      namespace: optional(string),
      annotations: optional(stringMap),
      ownerReferences: optional(listOf(fields({ kind: string, name: string }))),
    }),
  ),
  spec: fields({
    containers,
    initContainers: optional(listOf(container)),
    ephemeralContainers: optional(listOf(container)),
    volumes: optional(listOf(fields({ name: string }))),
    hostNetwork: optional(boolean),
    restartPolicy: optional(string),
    securityContext,
    os: optional(fields({ name: optional(string) })),
  }),
});

/** Why `raw` is not a pod this code can work on, or undefined when every field it reads has the right type. */
export function podShapeProblem(raw: unknown): string | undefined {
  return podShape(raw, 'pod');
}

/** Names of every container in the pod: regular, init and ephemeral. */
export function allContainerNames(spec: PodSpec): string[] {
  return [...spec.containers, ...(spec.initContainers ?? []), ...(spec.ephemeralContainers ?? [])].map((c) => c.name);
}

/** `Deployment`-style owner of the pod, for messages and logs (the pod's own name is often not known yet). */
export function ownerOf(pod: PodObject): OwnerReference | undefined {
  const owners = pod.metadata?.ownerReferences ?? [];
  return owners.find((owner) => owner.controller === true) ?? owners[0];
}

/**
 * How logs name the pod's workload: its owner, else its generateName prefix, else its name. Safe on any object,
 * because it runs before the shape check (every review is logged, malformed or not).
 */
export function workloadOf(raw: unknown): string {
  const meta = isObject(raw) && isObject(raw.metadata) ? raw.metadata : {};
  const owners = Array.isArray(meta.ownerReferences) ? meta.ownerReferences.filter(isObject) : [];
  const owner = owners.find((o) => o.controller === true) ?? owners[0];
  if (owner) return `${String(owner.kind)}/${String(owner.name)}`;
  if (typeof meta.generateName === 'string' && meta.generateName) return `${meta.generateName}*`;
  return typeof meta.name === 'string' ? meta.name : '';
}
