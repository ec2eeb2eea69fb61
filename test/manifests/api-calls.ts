// Which Kubernetes API calls the injector's code makes, read from its sources: the RBAC in manifests/base must
// grant exactly these verbs, so a new call in webhook/src (or a call that went away) fails the manifest test.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** @kubernetes/client-node method verbs → RBAC verbs. */
const VERBS: Readonly<Record<string, string>> = {
  read: 'get',
  list: 'list',
  create: 'create',
  replace: 'update',
  patch: 'patch',
  delete: 'delete',
  deleteCollection: 'deletecollection',
};

/** client-node kinds → RBAC `group/resource`. Extend when the injector starts using another kind. */
const RESOURCES: Readonly<Record<string, string>> = {
  Secret: '/secrets',
  ConfigMap: '/configmaps',
  Namespace: '/namespaces',
  Pod: '/pods',
  Event: '/events',
  Service: '/services',
  Lease: 'coordination.k8s.io/leases',
  MutatingWebhookConfiguration: 'admissionregistration.k8s.io/mutatingwebhookconfigurations',
  ValidatingWebhookConfiguration: 'admissionregistration.k8s.io/validatingwebhookconfigurations',
};

const CALL = new RegExp(
  `\\b(${Object.keys(VERBS).join('|')})(Namespaced)?(${Object.keys(RESOURCES).join('|')})(ForAllNamespaces)?\\s*\\(`,
  'g',
);
/** Watches and informers would need `watch` (and `list`); none are expected today. */
const WATCH = /\bnew Watch\(|\bmakeInformer\(|\bListWatch\b/;

export interface ApiCalls {
  /** `group/resource` → RBAC verbs, e.g. `/secrets` → {get, create, update}. */
  readonly grants: Map<string, Set<string>>;
  /** `file: method` of every call found, for failure messages. */
  readonly calls: string[];
  readonly watches: string[];
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return tsFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

export function apiCallsIn(sourceDir: string): ApiCalls {
  const grants = new Map<string, Set<string>>();
  const calls: string[] = [];
  const watches: string[] = [];
  for (const file of tsFiles(sourceDir)) {
    const text = readFileSync(file, 'utf8');
    if (WATCH.test(text)) watches.push(file);
    for (const match of text.matchAll(CALL)) {
      const [method, verb = '', , kind = ''] = match;
      const resource = RESOURCES[kind] ?? '';
      const set = grants.get(resource) ?? new Set<string>();
      set.add(VERBS[verb] ?? verb);
      grants.set(resource, set);
      calls.push(`${file.slice(sourceDir.length + 1)}: ${method.replace(/\s*\($/, '')}`);
    }
  }
  return { grants, calls, watches };
}
