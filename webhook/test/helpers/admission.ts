// Builds what the API server would send the webhook: the pods controllers create from manifests, and the
// AdmissionReview around a pod. Patches are applied with fast-json-patch, a different library from the one that
// generated them (rfc6902), so a bug shared by generator and applier cannot hide.

import { randomUUID } from 'node:crypto';

import jsonpatch, { type Operation } from 'fast-json-patch';

type Json = Record<string, unknown>;

const OWNER_KIND: Record<string, string> = {
  Deployment: 'ReplicaSet',
  ReplicaSet: 'ReplicaSet',
  StatefulSet: 'StatefulSet',
  DaemonSet: 'DaemonSet',
  Job: 'Job',
  CronJob: 'Job',
  ReplicationController: 'ReplicationController',
};

function templateOf(object: Json): Json | undefined {
  const spec = object.spec as Json | undefined;
  if (object.kind === 'CronJob')
    return ((spec?.jobTemplate as Json | undefined)?.spec as Json | undefined)?.template as Json;
  return spec?.template as Json | undefined;
}

/** The pods the cluster would admit for a manifest object: the Pod itself, or a controller's pod from the template. */
export function admittedPods(object: unknown): Json[] {
  if (typeof object !== 'object' || object === null) return [];
  const json = object as Json;
  if (json.kind === 'List') return (json.items as unknown[]).flatMap(admittedPods);
  if (json.kind === 'Pod') return [json];
  const ownerKind = OWNER_KIND[String(json.kind)];
  const template = templateOf(json);
  if (!ownerKind || !template) return [];
  const meta = (json.metadata ?? {}) as Json;
  const owner = {
    apiVersion: 'apps/v1',
    kind: ownerKind,
    name: `${String(meta.name)}-7d9c`,
    uid: 'owner-uid',
    controller: true,
  };
  const templateMeta = (template.metadata ?? {}) as Json;
  const metadata = { ...templateMeta, generateName: `${String(meta.name)}-7d9c-`, ownerReferences: [owner] };
  return [{ apiVersion: 'v1', kind: 'Pod', metadata, spec: withClaimVolumes(json, template.spec as Json) }];
}

/** The StatefulSet controller puts a volume per volumeClaimTemplate first in each pod it creates (updateStorage). */
function withClaimVolumes(object: Json, spec: Json): Json {
  const claims = ((object.spec as Json).volumeClaimTemplates ?? []) as Json[];
  if (object.kind !== 'StatefulSet' || claims.length === 0) return spec;
  const name = String((object.metadata as Json).name);
  const volumes = claims.map((claim) => {
    const claimName = String((claim.metadata as Json).name);
    return { name: claimName, persistentVolumeClaim: { claimName: `${claimName}-${name}-0` } };
  });
  return { ...spec, volumes: [...volumes, ...((spec.volumes ?? []) as Json[])] };
}

export interface ReviewOptions {
  readonly namespace?: string;
  readonly dryRun?: boolean;
  readonly operation?: string;
  readonly uid?: string;
}

export function admissionReview(pod: unknown, options: ReviewOptions = {}): Json {
  const meta = ((pod as Json).metadata ?? {}) as Json;
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: options.uid ?? randomUUID(),
      kind: { group: '', version: 'v1', kind: 'Pod' },
      resource: { group: '', version: 'v1', resource: 'pods' },
      requestKind: { group: '', version: 'v1', kind: 'Pod' },
      requestResource: { group: '', version: 'v1', resource: 'pods' },
      name: meta.name,
      namespace: options.namespace ?? meta.namespace ?? 'default',
      operation: options.operation ?? 'CREATE',
      userInfo: { username: 'system:serviceaccount:kube-system:replicaset-controller' },
      object: pod,
      oldObject: null,
      dryRun: options.dryRun ?? false,
      options: { apiVersion: 'meta.k8s.io/v1', kind: 'CreateOptions' },
    },
  };
}

/** Applies a JSON Patch to a copy of `document`, validating every operation. */
export function applyPatch<T>(document: T, patch: readonly unknown[]): T {
  const copy = structuredClone(document);
  return jsonpatch.applyPatch(copy, patch as Operation[], true, true).newDocument;
}

export function decodePatch(base64: string): unknown[] {
  return JSON.parse(Buffer.from(base64, 'base64').toString('utf8')) as unknown[];
}
