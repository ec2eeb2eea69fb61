// A small stand-in for `kustomize build`, for the features manifests/ uses: `resources` (files and directories) and
// `patches` (strategic merge, including `$patch: delete`, and JSON 6902 with a `target`), from a file (`path`) or
// inline (`patch`). Any other kustomization field is an error, so a new feature in manifests/ cannot be rendered
// wrongly in silence: teach this helper first. The test also compares the result with `kubectl kustomize` where
// kubectl exists (there is no kustomize binary on the development machines; kubectl embeds kustomize).

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';

import jsonpatch from 'fast-json-patch';
import { parseAllDocuments } from 'yaml';

import { type KubeObject, objectId } from './objects.ts';

type Json = Record<string, unknown>;

const SUPPORTED = new Set(['apiVersion', 'kind', 'resources', 'patches']);

/** Every non-empty document of a YAML file (YAML 1.1 like kubectl, so `yes` is a boolean). */
export function loadYaml(file: string): KubeObject[] {
  return parseYaml(readFileSync(file, 'utf8'), file);
}

export function parseYaml(text: string, origin: string): KubeObject[] {
  return parseAllDocuments(text, { version: '1.1' }).flatMap((document) => {
    if (document.errors.length > 0) throw new Error(`${origin}: ${document.errors[0]?.message}`);
    const value = document.toJS() as KubeObject | null;
    return value === null ? [] : [value];
  });
}

export const kustomizationFile = (dir: string): string => join(dir, 'kustomization.yaml');

export interface Kustomization {
  readonly resources?: string[];
  readonly patches?: { path?: string; patch?: string; target?: PatchTarget }[];
}

interface PatchTarget {
  group?: string;
  version?: string;
  kind?: string;
  name?: string;
  namespace?: string;
}

export function readKustomization(dir: string): Kustomization {
  const [doc] = loadYaml(kustomizationFile(dir)) as unknown as (Json & Kustomization)[];
  if (!doc) throw new Error(`${dir}: empty kustomization.yaml`);
  const unsupported = Object.keys(doc).filter((key) => !SUPPORTED.has(key));
  if (unsupported.length > 0) throw new Error(`${dir}: kustomization fields not supported: ${unsupported.join()}`);
  return doc;
}

/** The objects `kustomize build <dir>` would print (in resource order rather than kustomize's kind order). */
export function renderKustomization(dir: string): KubeObject[] {
  const kustomization = readKustomization(dir);
  let objects = (kustomization.resources ?? []).flatMap((entry) => {
    const path = resolve(dir, entry);
    return statSync(path).isDirectory() ? renderKustomization(path) : loadYaml(path);
  });
  for (const entry of kustomization.patches ?? []) {
    const text = entry.path ? readFileSync(resolve(dir, entry.path), 'utf8') : entry.patch;
    if (text === undefined) throw new Error(`${dir}: a patch needs path or patch`);
    objects = applyPatch(objects, text, entry.target, `${basename(dir)}/${entry.path ?? 'inline patch'}`);
  }
  assertUniqueIds(objects, dir);
  return objects;
}

function assertUniqueIds(objects: readonly KubeObject[], dir: string): void {
  const ids = objects.map(objectId);
  const duplicate = ids.find((id, index) => ids.indexOf(id) !== index);
  if (duplicate) throw new Error(`${dir}: ${duplicate} appears twice`);
}

function applyPatch(objects: KubeObject[], text: string, target: PatchTarget | undefined, origin: string) {
  const documents = parseAllDocuments(text, { version: '1.1' }).map((d) => d.toJS() as unknown);
  if (documents.length !== 1) throw new Error(`${origin}: one patch per file (kustomize 5.5 panics on several)`);
  const [patch] = documents;
  if (Array.isArray(patch)) {
    if (!target) throw new Error(`${origin}: a JSON 6902 patch needs a target`);
    const matches = objects.filter((object) => targets(object, target));
    if (matches.length === 0) throw new Error(`${origin}: no object matches the target`);
    return objects.map((object) =>
      targets(object, target)
        ? jsonpatch.applyPatch(structuredClone(object), patch as never, true, false).newDocument
        : object,
    );
  }
  const smp = patch as KubeObject & { $patch?: string };
  const index = objects.findIndex((object) => sameObject(object, smp));
  if (index < 0) throw new Error(`${origin}: patches ${objectId(smp)}, which is not among the resources`);
  if (smp.$patch === 'delete') return objects.filter((_, i) => i !== index);
  if (smp.$patch !== undefined) throw new Error(`${origin}: $patch: ${smp.$patch} is not supported here`);
  return objects.map((object, i) => (i === index ? (strategicMerge(object, smp, []) as KubeObject) : object));
}

function targets(object: KubeObject, target: PatchTarget): boolean {
  const [group, version] = object.apiVersion.includes('/') ? object.apiVersion.split('/') : ['', object.apiVersion];
  return (
    (target.group === undefined || target.group === group) &&
    (target.version === undefined || target.version === version) &&
    (target.kind === undefined || target.kind === object.kind) &&
    (target.name === undefined || target.name === object.metadata.name) &&
    (target.namespace === undefined || target.namespace === object.metadata.namespace)
  );
}

const sameObject = (object: KubeObject, patch: KubeObject): boolean =>
  object.apiVersion === patch.apiVersion &&
  object.kind === patch.kind &&
  object.metadata.name === patch.metadata.name &&
  (patch.metadata.namespace === undefined || object.metadata.namespace === patch.metadata.namespace);

/** Merge keys of the lists manifests/ patches (from the Kubernetes API's patchMergeKey); other lists are replaced. */
function mergeKey(field: string, items: readonly unknown[]): string | undefined {
  if (['containers', 'initContainers', 'volumes', 'env', 'imagePullSecrets', 'webhooks'].includes(field)) return 'name';
  if (field === 'volumeMounts') return 'mountPath';
  if (field === 'ports')
    return items.some((item) => (item as Json).containerPort !== undefined) ? 'containerPort' : 'port';
  return undefined;
}

const isMap = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Strategic merge patch: maps merge, null deletes, lists of objects merge by key, other lists are replaced. */
export function strategicMerge(base: unknown, patch: unknown, path: readonly string[]): unknown {
  if (!isMap(base) || !isMap(patch)) return structuredClone(patch);
  const result: Json = structuredClone(base);
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith('$')) throw new Error(`${[...path, key].join('.')}: directive not supported here`);
    if (value === null) delete result[key];
    else if (Array.isArray(value) && Array.isArray(result[key])) result[key] = mergeList(result[key], value, key, path);
    else result[key] = strategicMerge(result[key], value, [...path, key]);
  }
  return result;
}

function mergeList(base: unknown[], patch: unknown[], field: string, path: readonly string[]): unknown[] {
  const key = mergeKey(field, [...base, ...patch]);
  if (key === undefined) return structuredClone(patch);
  const merged = structuredClone(base) as Json[];
  const added: Json[] = [];
  for (const item of patch as Json[]) {
    const at = merged.findIndex((existing) => existing[key] === item[key]);
    if (at < 0) added.push(structuredClone(item));
    else merged[at] = strategicMerge(merged[at], item, [...path, field, String(item[key])]) as Json;
  }
  // kustomize (kyaml) puts the items the patch adds before the existing ones.
  return [...added, ...merged];
}

/** The YAML files of a directory (not recursive), kustomization.yaml excluded. */
export function yamlFilesIn(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => /\.ya?ml$/.test(name) && name !== 'kustomization.yaml')
    .map((name) => join(dir, name))
    .sort();
}
