// Reads CPU and memory figures of a process tree straight from /proc (Linux only), so the numbers cover the bridge
// *and* everything it spawned (the echo server, supergateway's per-session shells and children, …).
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';

export type ProcStat = {
  pid: number;
  ppid: number;
  pgid: number;
  /** Start time in clock ticks since boot: with the pid it identifies a process across pid reuse. */
  starttime: number;
  /** utime + stime + cutime + cstime, in clock ticks. */
  ticks: number;
};

export type TreeMemory = {
  /** VmHWM of the root process (the bridge itself), kB. */
  rootHwmKb: number;
  rootRssKb: number;
  /** Sum of every tree member's VmHWM, kB: an upper bound of the tree's peak (members peak at different times). */
  treeHwmKb: number;
  treeRssKb: number;
  processes: number;
};

export const CLK_TCK = clockTicks();

function clockTicks(): number {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100; // the Linux default on every mainstream architecture
  }
}

export function readStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined; // gone between readdir and read
  }
  // The command name may contain spaces and parentheses: the fields start after the *last* ')'.
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const n = (i: number): number => Number(f[i - 3]); // i = field number as documented in proc(5)
  return { pid, ppid: n(4), pgid: n(5), starttime: n(22), ticks: n(14) + n(15) + n(16) + n(17) };
}

export function allProcesses(): Map<number, ProcStat> {
  const table = new Map<number, ProcStat>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readStat(Number(name));
    if (stat) table.set(stat.pid, stat);
  }
  return table;
}

/** The root and all its live descendants (by parent pid, so detached process groups are included). */
export function processTree(root: number, table = allProcesses()): ProcStat[] {
  const children = new Map<number, ProcStat[]>();
  for (const stat of table.values()) {
    const list = children.get(stat.ppid) ?? [];
    list.push(stat);
    children.set(stat.ppid, list);
  }
  const rootStat = table.get(root);
  if (!rootStat) return [];
  const tree = [rootStat];
  for (let i = 0; i < tree.length; i++) tree.push(...(children.get(tree[i]!.pid) ?? []));
  return tree;
}

/**
 * CPU seconds consumed so far by the tree. Each live member contributes its own time plus that of its reaped
 * children (cutime/cstime), so a child that exits between two samples is still counted, and counted once.
 */
export function treeCpuSeconds(root: number): number {
  return processTree(root).reduce((sum, stat) => sum + stat.ticks, 0) / CLK_TCK;
}

function statusKb(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

export function treeMemory(root: number): TreeMemory {
  const tree = processTree(root);
  return {
    rootHwmKb: statusKb(root, 'VmHWM'),
    rootRssKb: statusKb(root, 'VmRSS'),
    treeHwmKb: tree.reduce((sum, stat) => sum + statusKb(stat.pid, 'VmHWM'), 0),
    treeRssKb: tree.reduce((sum, stat) => sum + statusKb(stat.pid, 'VmRSS'), 0),
    processes: tree.length,
  };
}

/**
 * Machine-wide ticks (all CPUs) from the first line of /proc/stat. `busy` is time charged to processes (user, nice,
 * system) plus steal; interrupt and softirq time is left out of it because loopback networking is charged there,
 * to no process, and would otherwise look like load from outside the benchmark. Guest time is inside user already.
 */
export function machineTicks(): { busy: number; total: number } {
  const first = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = first
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  return { busy: user + nice + system + steal, total: user + nice + system + idle + iowait + irq + softirq + steal };
}

/** True if any /proc entry of `pid` (cmdline or environment) contains `marker`; false when unreadable. */
export function processCarries(pid: number, marker: string): boolean {
  for (const file of ['cmdline', 'environ']) {
    try {
      if (readFileSync(`/proc/${pid}/${file}`, 'latin1').includes(marker)) return true;
    } catch {
      // exited, or not ours to read
    }
  }
  return false;
}
