// `--baseline <rev>`: builds another revision of the bridge into a temporary directory, once per commit, so that the
// run can put it side by side with the working tree (interleaved rounds, same machine, same echo server). The
// default revision is the merge base of HEAD and main: the code a branch started from, or HEAD itself on main (then
// the comparison is the uncommitted working tree against the last commit).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { REPO_ROOT } from './targets.ts';

export interface BaselineBuild {
  readonly sha: string;
  readonly short: string;
  /** The compiled entry of the baseline's bridge. */
  readonly entry: string;
}

const log = (message: string): void => console.error(`[bench] ${message}`);

const git = (...args: string[]): string => execFileSync('git', args, { cwd: REPO_ROOT, encoding: 'utf8' }).trim();

/** `merge-base` means the merge base of HEAD and main. */
export function resolveRevision(revision: string): string {
  const spec = revision === 'merge-base' ? git('merge-base', 'HEAD', 'main') : revision;
  try {
    return git('rev-parse', '--verify', `${spec}^{commit}`);
  } catch {
    throw new Error(`--baseline: "${revision}" is not a commit of this repository (try merge-base, HEAD~1 or a sha)`);
  }
}

/** Exports, installs and builds the revision (skipped when an earlier run left a complete build), with progress. */
export function buildBaseline(revision: string): BaselineBuild {
  const sha = resolveRevision(revision);
  const short = sha.slice(0, 7);
  const dir = join(tmpdir(), `mcp-sidecar-bench-${sha}`);
  const entry = join(dir, 'sidecar', 'dist', 'main.js');
  if (existsSync(join(dir, '.built'))) {
    log(`baseline ${short}: reusing the build in ${dir}`);
    return { sha, short, entry };
  }
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  step(short, 'exporting the revision', 'sh', ['-c', `git -C "${REPO_ROOT}" archive ${sha} | tar -x -C "${dir}"`], dir);
  // --ignore-scripts: nothing the bridge needs has one (the root's `node` devDependency would fetch a second Node).
  step(
    short,
    'installing its dependencies (npm ci)',
    'npm',
    ['ci', '--ignore-scripts', '--no-audit', '--no-fund'],
    dir,
  );
  step(short, 'building it (npm run build)', 'npm', ['run', 'build'], dir);
  if (!existsSync(entry)) throw new Error(`--baseline ${short}: the build produced no ${entry}`);
  execFileSync('touch', [join(dir, '.built')]);
  return { sha, short, entry };
}

function step(short: string, what: string, command: string, args: string[], cwd: string): void {
  log(`baseline ${short}: ${what} …`);
  const started = Date.now();
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (result.status !== 0) {
    const tail = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim().split('\n').slice(-8).join('\n');
    throw new Error(`--baseline ${short}: ${what} failed (exit ${result.status}):\n${tail}`);
  }
  log(`baseline ${short}: ${what}: done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}
