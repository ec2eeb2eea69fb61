// Pod volumes as host directories under the pod's scratch directory: emptyDir → an empty directory (any medium),
// configMap → a directory holding the ConfigMap's keys as files (taken from the same YAML stream).

import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

import type { ConfigMap, Volume } from './types.ts';

/** Volume name → host directory. */
export type VolumeDirs = ReadonlyMap<string, string>;

export async function createVolumes(
  volumes: readonly Volume[],
  configMaps: readonly ConfigMap[],
  root: string,
): Promise<VolumeDirs> {
  const dirs = new Map<string, string>();
  for (const volume of volumes) {
    const dir = join(root, volume.name);
    await mkdir(dir, { recursive: true });
    if (volume.configMap) await fillConfigMap(dir, volume, configMaps);
    else if (!volume.emptyDir) throw new Error(`volume ${volume.name}: only emptyDir and configMap are simulated`);
    dirs.set(volume.name, dir);
  }
  return dirs;
}

async function fillConfigMap(dir: string, volume: Volume, configMaps: readonly ConfigMap[]): Promise<void> {
  const source = volume.configMap!;
  const configMap = configMaps.find((candidate) => candidate.metadata.name === source.name);
  if (!configMap) {
    if (source.optional) return;
    throw new Error(`volume ${volume.name}: ConfigMap ${source.name} is not in the manifest stream`);
  }
  const data = configMap.data ?? {};
  const items = source.items ?? Object.keys(data).map((key) => ({ key, path: key, mode: undefined }));
  for (const item of items) {
    const content = data[item.key];
    if (content === undefined)
      throw new Error(`volume ${volume.name}: ConfigMap ${source.name} has no key ${item.key}`);
    const file = join(dir, item.path);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, content);
    await chmod(file, item.mode ?? source.defaultMode ?? 0o644);
  }
}
