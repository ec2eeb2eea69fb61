// Turns a container spec into the host process that plays it: argv (Kubernetes command/args over the image's
// ENTRYPOINT/CMD), environment (the image's PATH, then the spec's env) and working directory, with container paths
// and ports rewritten to their host counterparts (see paths.ts and ports.ts).

import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';

import { type ImageEntry, imageEntry } from './images.ts';
import { hostPathOf, type PathMap, pathMapOf, rewritePaths } from './paths.ts';
import { type PortMap, rewritePortArgs, rewritePortEnv } from './ports.ts';
import type { Container } from './types.ts';
import type { VolumeDirs } from './volumes.ts';

/** Environment variable carried by every process of a container: the simulation's stand-in for its cgroup. */
export const CONTAINER_TAG_VAR = 'POD_SIM_CONTAINER';

export interface LaunchContext {
  readonly volumes: VolumeDirs;
  readonly ports: PortMap;
  /** The container's own scratch directory (its working directory when the image sets none). */
  readonly scratchDir: string;
  /** Value of CONTAINER_TAG_VAR for this container. */
  readonly tag: string;
}

export interface LaunchPlan {
  /** Host argv; argv[0] is an absolute host path. */
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string;
  /**
   * Another command run in this container (an exec probe's), as host argv: the same path and port rewrites as the
   * main command, argv[0] resolved in the image or a volume. Throws, naming the problem, when it cannot be run.
   */
  readonly hostCommand: (command: readonly string[]) => string[];
}

export function planLaunch(container: Container, ctx: LaunchContext): LaunchPlan {
  const image = imageEntry(container.image);
  const paths = pathMapOf(container, ctx.volumes, image.files);
  const command = container.command ?? [];
  const tail = container.args ?? (container.command === undefined ? image.cmd : []);
  const rewritten = rewritePortArgs([...command, ...tail], ctx.ports).map((arg) => rewritePaths(arg, paths));
  const hostCommand = (words: readonly string[]): string[] => {
    const first = words[0];
    if (first === undefined) throw new Error(`container ${container.name}: an empty command`);
    const args = rewritePortArgs(words, ctx.ports).map((arg) => rewritePaths(arg, paths));
    return [resolveExecutable(first, container, image, paths), ...args.slice(1)];
  };
  let argv: string[];
  if (container.command === undefined && image.entrypoint.length > 0) {
    argv = [...image.entrypoint, ...rewritten];
  } else {
    const first = command[0] ?? tail[0];
    if (first === undefined) throw new Error(`container ${container.name}: no command and no image entrypoint`);
    argv = [resolveExecutable(first, container, image, paths), ...rewritten.slice(1)];
  }
  const env = environmentOf(container, image, paths, ctx);
  return { argv, env, cwd: workingDirOf(container, image, paths, ctx), hostCommand };
}

/** argv[0] as the container runtime finds it: an absolute path in the container's filesystem, or via PATH. */
function resolveExecutable(name: string, container: Container, image: ImageEntry, paths: PathMap): string {
  const where = `container ${container.name}`;
  if (name.startsWith('/')) {
    const host = hostPathOf(name, paths);
    if (host === undefined) throw new Error(`${where}: ${name} is neither under a volume mount nor in the image table`);
    if (!isExecutable(host)) throw new Error(`${where}: no executable at ${name} (host path ${host})`);
    return host;
  }
  for (const dir of image.path) {
    if (isExecutable(join(dir, name))) return join(dir, name);
  }
  throw new Error(`${where}: ${name} not found on the image's PATH (${image.path.join(':')})`);
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function environmentOf(container: Container, image: ImageEntry, paths: PathMap, ctx: LaunchContext) {
  const env: Record<string, string> = {
    PATH: image.path.join(':'),
    HOME: ctx.scratchDir,
    HOSTNAME: 'pod-sim',
    [CONTAINER_TAG_VAR]: ctx.tag,
  };
  for (const variable of container.env ?? []) {
    if (variable.value === undefined)
      throw new Error(`container ${container.name}: env ${variable.name} needs valueFrom`);
    env[variable.name] = rewritePaths(rewritePortEnv(variable.name, variable.value, ctx.ports), paths);
  }
  return env;
}

function workingDirOf(container: Container, image: ImageEntry, paths: PathMap, ctx: LaunchContext): string {
  if (container.workingDir === undefined) return image.workingDir ?? ctx.scratchDir;
  const host = hostPathOf(container.workingDir, paths);
  if (!host) throw new Error(`container ${container.name}: workingDir ${container.workingDir} is not under a mount`);
  return host;
}
