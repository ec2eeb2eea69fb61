// Reads a manifest stream: runs the real injector CLI on a file, then picks a workload's pod template and the
// ConfigMaps of the same stream (the simulation's stand-in for the API server).

import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { parseAllDocuments } from 'yaml';

import { NODE, REPO_ROOT } from '../../helpers/bridge-process.ts';
import type { ConfigMap, PodSpec } from './types.ts';

const run = promisify(execFile);
export const INJECTOR_BIN = join(REPO_ROOT, 'webhook/bin/mcp-injector.js');

interface KubeObject {
  readonly kind?: string;
  readonly metadata?: { readonly name?: string; readonly namespace?: string; readonly annotations?: object };
  readonly spec?: { readonly template?: PodTemplate };
  readonly data?: Record<string, string>;
}

export interface PodTemplate {
  readonly metadata?: { readonly annotations?: Readonly<Record<string, string>> };
  readonly spec: PodSpec;
}

export interface InjectedManifest {
  /** The injector's stdout, verbatim: the YAML stream that would be applied. */
  readonly yaml: string;
  /** What the injector printed on stderr (one line per workload). */
  readonly stderr: string;
  readonly objects: readonly KubeObject[];
}

/** `mcp-injector inject -f <file> [extra args]`; rejects (with stderr) when the CLI exits non-zero. */
export async function injectFile(file: string, extraArgs: readonly string[] = []): Promise<InjectedManifest> {
  const { stdout, stderr } = await run(NODE, [INJECTOR_BIN, 'inject', '-f', file, ...extraArgs], {
    cwd: REPO_ROOT,
    maxBuffer: 16 * 1024 * 1024,
  });
  return { yaml: stdout, stderr, objects: parseStream(stdout) };
}

export function parseStream(text: string): KubeObject[] {
  return parseAllDocuments(text).flatMap((document) => {
    if (document.errors.length > 0) throw new Error(`invalid YAML: ${document.errors[0]?.message}`);
    const value = document.toJS() as KubeObject | null;
    return value ? [value] : [];
  });
}

/** The pod template of the workload `kind/name` (Deployment, StatefulSet, ...), as raw JSON. */
export function podTemplateOf(manifest: InjectedManifest, kind: string, name: string): PodTemplate {
  const workload = manifest.objects.find((object) => object.kind === kind && object.metadata?.name === name);
  const template = workload?.spec?.template;
  if (!template) throw new Error(`no ${kind}/${name} with a pod template in the injector's output`);
  return JSON.parse(JSON.stringify(template)) as PodTemplate;
}

export function configMapsOf(manifest: InjectedManifest): ConfigMap[] {
  return manifest.objects
    .filter((object) => object.kind === 'ConfigMap' && object.metadata?.name)
    .map((object) => ({ metadata: { name: object.metadata!.name! }, data: object.data ?? {} }));
}
