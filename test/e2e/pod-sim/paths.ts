// Container paths → host paths. A container sees its volumes at their mountPaths; on the host they are directories
// under the pod's scratch directory. The simulation's one liberty with the spec: absolute paths in command, args,
// env values and workingDir that fall under a mountPath (or name an image file from the image table) are rewritten
// to the host path. A path counts when it is the whole value or follows ':' or '=' (`unix:/mcp/run/stdio.sock`,
// `--config=/app/x`). Nothing else in the spec is touched, so a path the rewrite misses shows up as a failure.

import { join } from 'node:path';

import type { Container } from './types.ts';
import type { VolumeDirs } from './volumes.ts';

export interface PathMap {
  /** mountPath → host directory, longest first so nested mounts win. */
  readonly mounts: readonly { readonly mountPath: string; readonly hostDir: string }[];
  /** Absolute image files → host files. */
  readonly files: Readonly<Record<string, string>>;
}

export function pathMapOf(container: Container, volumes: VolumeDirs, files: Readonly<Record<string, string>>): PathMap {
  const mounts = (container.volumeMounts ?? []).map((mount) => {
    const dir = volumes.get(mount.name);
    if (!dir) throw new Error(`container ${container.name}: volumeMount ${mount.name} names no pod volume`);
    return { mountPath: trimSlash(mount.mountPath), hostDir: mount.subPath ? join(dir, mount.subPath) : dir };
  });
  mounts.sort((a, b) => b.mountPath.length - a.mountPath.length);
  return { mounts, files };
}

const trimSlash = (path: string): string => (path.length > 1 ? path.replace(/\/+$/, '') : path);

/** The host path of an absolute container path, or undefined when no mount (or image file) covers it. */
export function hostPathOf(path: string, map: PathMap): string | undefined {
  const file = map.files[path];
  if (file) return file;
  for (const { mountPath, hostDir } of map.mounts) {
    if (path === mountPath) return hostDir;
    if (mountPath === '/') return join(hostDir, path);
    if (path.startsWith(`${mountPath}/`)) return hostDir + path.slice(mountPath.length);
  }
  return undefined;
}

const ABSOLUTE_PATH = /(^|[:=])(\/[^\s:=,;]*)/g;

/** Rewrites every absolute path in `value` that a mount (or image file) covers; leaves the rest as written. */
export function rewritePaths(value: string, map: PathMap): string {
  return value.replace(ABSOLUTE_PATH, (whole, lead: string, path: string) => {
    const host = hostPathOf(path, map);
    return host === undefined ? whole : lead + host;
  });
}
