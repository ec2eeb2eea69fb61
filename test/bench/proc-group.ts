// Every process the runner starts lives in its own process group and is tracked here, so it can be killed with
// its whole tree on success, failure or Ctrl-C. Three nets, because bridges differ in how they spawn:
//  1. the group (kill(-pgid)) catches ordinary children;
//  2. a snapshot of the tree by parent pid catches children in *other* groups (supergateway spawns its per-session
//     children `detached`, i.e. in their own groups);
//  3. a sweep for the run marker (in argv or environment) catches anything re-parented before we looked.
import { spawn } from 'node:child_process';
import type { ChildProcess, StdioOptions } from 'node:child_process';
import { allProcesses, processCarries, processTree, readStat } from './proc-stats.ts';
import type { ProcStat } from './proc-stats.ts';

export type Group = {
  name: string;
  pid: number;
  child: ChildProcess;
  /** Resolves with the exit code (or null when killed by a signal) once the root process has exited. */
  exited: Promise<number | null>;
  hasExited: () => boolean;
};

const live = new Set<Group>();
let stopping = false;

/** True once a signal asked the runner to stop: nothing new may start, and only the signal path exits. */
export const isStopping = (): boolean => stopping;

export function spawnGroup(
  name: string,
  command: string,
  args: string[],
  options: { env: NodeJS.ProcessEnv; stdio: StdioOptions },
): Group {
  if (stopping) throw new Error(`not starting ${name}: the run is being stopped`);
  // detached => the child leads a new process group; stdin is a pipe we hold, so it also sees EOF if we die.
  const child = spawn(command, args, { env: options.env, stdio: options.stdio, detached: true });
  if (child.pid === undefined) throw new Error(`could not start ${name}: ${command}`);
  let done = false;
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      done = true;
      resolve(code);
    });
    child.once('error', () => {
      done = true;
      resolve(null);
    });
  });
  const group: Group = { name, pid: child.pid, child, exited, hasExited: () => done };
  live.add(group);
  return group;
}

function signal(target: number, sig: NodeJS.Signals): void {
  try {
    process.kill(target, sig);
  } catch {
    // ESRCH: already gone
  }
}

function stillSame(stat: ProcStat): boolean {
  const now = readStat(stat.pid);
  return now !== undefined && now.starttime === stat.starttime;
}

/**
 * SIGKILL every process of a snapshot that is still the same process, and the groups they lead. Leaves first, so
 * a parent that is still alive can reap them instead of leaving zombies to init.
 */
function killSnapshot(snapshot: ProcStat[]): void {
  const ownGroup = process.pid; // never signal the runner's own group
  for (const stat of [...snapshot].reverse()) {
    if (!stillSame(stat)) continue;
    if (stat.pgid === stat.pid && stat.pgid !== ownGroup) signal(-stat.pgid, 'SIGKILL');
    signal(stat.pid, 'SIGKILL');
  }
}

// Waits for `promise`, at most `ms`. The timer is cleared (not unref'd) so the wait itself keeps the loop alive.
async function within(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
  await Promise.race([promise, expired]);
  clearTimeout(timer);
}

/** Graceful stop (stdin EOF + SIGTERM to the group), then SIGKILL for whatever is left of the tree. */
export async function stopGroup(group: Group, graceMs = 3000): Promise<void> {
  // Stopped already: its pid may belong to someone else by now, so never signal it again.
  if (!live.has(group)) return;
  const snapshot = processTree(group.pid);
  group.child.stdin?.end();
  signal(-group.pid, 'SIGTERM');
  await within(group.exited, graceMs);
  // Give a bridge that exited promptly a moment to finish reaping its own children before we force it.
  await within(new Promise(() => undefined), 100);
  signal(-group.pid, 'SIGKILL');
  killSnapshot(snapshot);
  await within(group.exited, 1000);
  live.delete(group);
}

/** Synchronous last resort for exit paths (signals, crashes): SIGKILL every tracked tree. */
export function killAllNow(): void {
  const table = allProcesses();
  for (const group of live) {
    const snapshot = processTree(group.pid, table);
    signal(-group.pid, 'SIGKILL');
    killSnapshot(snapshot);
  }
  live.clear();
}

/** Pids (other than the runner) whose argv or environment contain `marker`. */
export function processesCarrying(marker: string): number[] {
  return [...allProcesses().keys()].filter((pid) => pid !== process.pid && processCarries(pid, marker));
}

/** Kill processes outside any tracked tree that still carry the run marker. Returns how many were found. */
export function sweepStrays(marker: string): number {
  const pids = processesCarrying(marker);
  for (const pid of pids) signal(pid, 'SIGKILL');
  return pids.length;
}

/**
 * Install handlers so Ctrl-C, SIGTERM and crashes still leave no processes behind. The first signal stops every
 * live tree the usual way (SIGTERM, grace, SIGKILL, reap); a second one kills at once.
 */
export function installCleanup(marker: string): void {
  const finish = (code: number): never => {
    killAllNow();
    sweepStrays(marker);
    process.exit(code);
  };
  const onSignal = (code: number): void => {
    if (stopping) finish(code);
    stopping = true;
    console.error(`\n[bench] stopping: killing every process this run started (again to force)`);
    void within(Promise.all([...live].map((group) => stopGroup(group, 1500))), 4000).then(() => finish(code));
  };
  process.on('SIGINT', () => onSignal(130));
  process.on('SIGTERM', () => onSignal(143));
  process.on('SIGHUP', () => onSignal(129));
  process.once('uncaughtException', (error) => {
    console.error(error);
    finish(1);
  });
  process.once('exit', () => {
    killAllNow();
    sweepStrays(marker);
  });
}
