// The simulation's stand-in for a container's cgroup: every process of a container inherits the environment
// variable CONTAINER_TAG_VAR=<pod>/<container>, so scanning /proc/<pid>/environ finds all of them, including
// processes that left the container's process group or session (mcp-shim starts each server with setsid) and
// orphans re-parented to init. A process that replaces its whole environment would escape; none here does.

import { readdirSync, readFileSync } from 'node:fs';

import { isAlive } from '../../helpers/processes.ts';
import { CONTAINER_TAG_VAR } from './launch.ts';

function environOf(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/environ`, 'latin1');
  } catch {
    return undefined; // gone, or not ours to read
  }
}

/**
 * Live (non-zombie) processes carrying `tag`: a container's `<pod>/<name>` exactly, or with a trailing slash
 * (`<pod>/`) every container of the pod.
 */
export function processesTagged(tag: string): number[] {
  const needle = `${CONTAINER_TAG_VAR}=${tag}`;
  const matches = (variable: string) => (tag.endsWith('/') ? variable.startsWith(needle) : variable === needle);
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    const environ = environOf(pid);
    if (!environ) continue;
    const tagged = environ.split('\0').some(matches);
    if (tagged && isAlive(pid)) found.push(pid);
  }
  return found;
}

/** The kill a container runtime does when a container ends: SIGKILL to everything left in its cgroup. */
export function killTagged(tag: string): number[] {
  const pids = processesTagged(tag);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}

/** The command line of a process (NUL-separated argv joined by spaces), or '' when it is gone. */
export function commandLineOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return '';
  }
}
