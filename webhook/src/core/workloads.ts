// Offline injection (`mcp-injector inject`, like `istioctl kube-inject`): the same policy and mutation as the
// webhook, applied to Pods and to the pod templates of workload manifests in a multi-document YAML stream.

import { Document, parseAllDocuments } from 'yaml';

import type { InjectorConfig } from './config.ts';
import { isObject, type JsonObject } from './json.ts';
import { mutate } from './mutate.ts';
import type { PodObject } from './pod.ts';
import { decide } from './policy.ts';
import type { ReasonCode } from './reasons.ts';

/** Where each workload kind keeps its pod template. */
const TEMPLATE_PATHS: Readonly<Record<string, readonly string[]>> = {
  Deployment: ['spec', 'template'],
  StatefulSet: ['spec', 'template'],
  DaemonSet: ['spec', 'template'],
  ReplicaSet: ['spec', 'template'],
  ReplicationController: ['spec', 'template'],
  Job: ['spec', 'template'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template'],
};

export interface ObjectReport {
  /** `Kind/name` of the manifest object. */
  readonly object: string;
  readonly decision: 'injected' | 'skipped' | 'denied';
  readonly reason: ReasonCode;
  readonly message: string | undefined;
  readonly warnings: readonly string[];
}

export interface ObjectResult {
  readonly output: unknown;
  readonly reports: readonly ObjectReport[];
}

function nameOf(object: JsonObject): string {
  const meta = isObject(object.metadata) ? object.metadata : {};
  const name =
    typeof meta.name === 'string' ? meta.name : typeof meta.generateName === 'string' ? `${meta.generateName}*` : '';
  return `${String(object.kind)}/${name}`;
}

function injectPodLike(pod: unknown, object: string, ownerKind: string | undefined, config: InjectorConfig) {
  const decision = decide(pod, { ownerKind }, config);
  if (decision.kind === 'skip') {
    return {
      output: pod,
      report: { object, decision: 'skipped', reason: decision.reason, message: undefined, warnings: [] },
    } as const;
  }
  if (decision.kind === 'deny') {
    const report = {
      object,
      decision: 'denied',
      reason: decision.reason,
      message: decision.message,
      warnings: [],
    } as const;
    return { output: pod, report };
  }
  const output = mutate(pod as PodObject, decision.plan);
  return {
    output,
    report: { object, decision: 'injected', reason: 'injected', message: undefined, warnings: decision.warnings },
  } as const;
}

/** Injects one manifest object; objects without a pod template (Services, ConfigMaps, ...) pass through unchanged. */
export function injectObject(object: unknown, config: InjectorConfig): ObjectResult {
  if (!isObject(object)) return { output: object, reports: [] };
  const kind = typeof object.kind === 'string' ? object.kind : '';
  if (kind === 'List' && Array.isArray(object.items)) {
    const results = object.items.map((item) => injectObject(item, config));
    return { output: { ...object, items: results.map((r) => r.output) }, reports: results.flatMap((r) => r.reports) };
  }
  if (kind === 'Pod') {
    const { output, report } = injectPodLike(object, nameOf(object), undefined, config);
    return { output, reports: [report] };
  }
  const path = TEMPLATE_PATHS[kind];
  if (!path) return { output: object, reports: [] };
  const copy = structuredClone(object);
  const parent = path.slice(0, -1).reduce<unknown>((node, key) => (isObject(node) ? node[key] : undefined), copy);
  const last = path[path.length - 1] ?? '';
  if (!isObject(parent) || !isObject(parent[last])) return { output: object, reports: [] };
  const { output, report } = injectPodLike(parent[last], nameOf(object), kind, config);
  parent[last] = output;
  return { output: copy, reports: [report] };
}

export type StreamResult =
  | { readonly ok: true; readonly yaml: string; readonly reports: readonly ObjectReport[] }
  | { readonly ok: false; readonly errors: readonly string[]; readonly reports: readonly ObjectReport[] };

/**
 * Injects every document of a YAML stream. Any denial fails the whole stream (no partial output), so a pipeline
 * into `kubectl apply -f -` never applies half of it. YAML 1.1 matches kubectl: unquoted `yes` is not a string.
 */
export function injectYamlStream(text: string, config: InjectorConfig): StreamResult {
  const documents = parseAllDocuments(text, { version: '1.1' });
  const list = Array.isArray(documents) ? documents : [];
  const parseErrors = list.flatMap((doc, index) => doc.errors.map((e) => `document ${index + 1}: ${e.message}`));
  if (parseErrors.length > 0) return { ok: false, errors: parseErrors, reports: [] };
  const objects = list.map((doc) => doc.toJS() as unknown).filter((object) => object !== null && object !== undefined);
  const results = objects.map((object) => injectObject(object, config));
  const reports = results.flatMap((result) => result.reports);
  const denials = reports.filter((r) => r.decision === 'denied').map((r) => `${r.object}: ${r.message ?? r.reason}`);
  if (denials.length > 0) return { ok: false, errors: denials, reports };
  const yaml = results.map((result) => stringifyYaml(result.output)).join('---\n');
  return { ok: true, yaml, reports };
}

export function stringifyYaml(value: unknown): string {
  return new Document(value, { version: '1.1' }).toString({ lineWidth: 0 });
}
