// The image table: which local executables stand in for each image the example manifests use. An entry gives the
// image's ENTRYPOINT/CMD (used when the container spec leaves them out, as the injected bridge does), the host
// directories that play the image's PATH, and the few absolute files of the image that containers run.

import { execFileSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';

import { NODE, REPO_ROOT } from '../../helpers/bridge-process.ts';
import { SHIM_BINARY } from '../../helpers/shim.ts';

export interface ImageEntry {
  /** What the image reference must match (tag included, so a new tag is a conscious table change). */
  readonly pattern: RegExp;
  /** The image's ENTRYPOINT and CMD, already as host argv. */
  readonly entrypoint: readonly string[];
  readonly cmd: readonly string[];
  /** Host directories that stand in for the image's PATH (looked up in this order). */
  readonly path: readonly string[];
  /** Absolute paths inside the image → host files. */
  readonly files: Readonly<Record<string, string>>;
  /** The image's WORKDIR on the host; undefined: the container's own scratch directory (an image without WORKDIR). */
  readonly workingDir: string | undefined;
}

/** First executable `name` on the test process's PATH. */
export function which(name: string): string {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  throw new Error(`${name} is not on PATH; the pod simulation needs it to stand in for an image`);
}

/** The real interpreter behind python3 (pyenv and friends install shell shims that need HOME and more). */
const pythonExecutable = (): string =>
  execFileSync(which('python3'), ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).trim();

function buildTable(): ImageEntry[] {
  const nodeDir = dirname(NODE);
  return [
    {
      // Dockerfile.sidecar: ENTRYPOINT ["mcp-sidecar"], the static shim at /usr/local/bin/mcp-shim.
      pattern: /^ghcr\.io\/mcp-sidecar\/mcp-sidecar:/,
      entrypoint: [NODE, join(REPO_ROOT, 'sidecar/bin/mcp-sidecar.js')],
      cmd: [],
      path: [nodeDir],
      files: { '/usr/local/bin/mcp-shim': SHIM_BINARY },
      workingDir: REPO_ROOT,
    },
    {
      // node:24-slim: node and npx on PATH. WORKDIR is the repo checkout, so `npx -y <pkg>` resolves the installed
      // devDependency instead of downloading it (the one place where the host's filesystem stands in for the image's).
      pattern: /^node:24(-slim)?$/,
      // The real ENTRYPOINT is docker-entrypoint.sh, which only prepends `node` to arguments starting with "-";
      // the table elides that wrapper.
      entrypoint: [],
      cmd: ['node'],
      path: [nodeDir, dirname(which('npx'))],
      files: {},
      workingDir: REPO_ROOT,
    },
    {
      pattern: /^python:3\.12(-slim)?$/,
      entrypoint: [],
      cmd: ['python3'],
      path: [dirname(pythonExecutable())],
      files: {},
      workingDir: undefined,
    },
  ];
}

let table: ImageEntry[] | undefined;

export function imageEntry(image: string): ImageEntry {
  table ??= buildTable();
  const entry = table.find((candidate) => candidate.pattern.test(image));
  if (!entry) throw new Error(`image ${image} is not in the pod simulation's image table (test/e2e/pod-sim/images.ts)`);
  return entry;
}
