// Helpers for the opt-in kind suite: detecting what the machine has (cheaply, so the skipped suite costs nothing),
// running commands with useful errors, kubectl against the suite's own kubeconfig, and port-forwards.

import { spawn, spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

export const OPT_IN_VARIABLE = 'MCP_E2E_KIND';

const onPath = (name: string): boolean =>
  (process.env.PATH ?? '').split(delimiter).some((dir) => {
    try {
      accessSync(join(dir || '.', name), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });

export type Detection = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/**
 * Whether the suite can run. Without the opt-in variable nothing is spawned (only PATH is looked at), so a skipped
 * suite adds no time to `npm test`. With it, the Docker engine is asked once (`docker info`, bounded).
 */
export function detect(env: NodeJS.ProcessEnv = process.env): Detection {
  const tools = ['docker', 'kind', 'kubectl'];
  const missing = tools.filter((tool) => !onPath(tool));
  const found = tools.map((tool) => `${tool} ${missing.includes(tool) ? 'missing' : 'found'}`).join(', ');
  if (env[OPT_IN_VARIABLE] !== '1') return { ok: false, reason: `not opted in (${OPT_IN_VARIABLE}=1; ${found})` };
  if (missing.length > 0) return { ok: false, reason: `${missing.join(', ')} not on PATH (${found})` };
  const info = spawnSync('docker', ['info', '--format', '{{.ServerVersion}}'], { encoding: 'utf8', timeout: 20_000 });
  if (info.status !== 0) {
    const why = (info.stderr || info.error?.message || 'no answer').trim().split('\n')[0];
    return { ok: false, reason: `the Docker engine is not reachable (docker info: ${why})` };
  }
  return { ok: true };
}

export interface RunResult {
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command to completion; throws with the command line and the end of its output when it fails. */
export function run(command: string, args: readonly string[], options: SpawnSyncOptions = {}): RunResult {
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...options });
  const stdout = String(result.stdout ?? '');
  const stderr = String(result.stderr ?? '');
  if (result.status !== 0) {
    const tail = `${stdout}\n${stderr}`.trim().split('\n').slice(-30).join('\n');
    throw new Error(`${command} ${args.join(' ')} exited ${result.status ?? result.signal}:\n${tail}`);
  }
  return { stdout, stderr };
}

/** Like run, but a failure is an answer rather than an error. */
export function attempt(command: string, args: readonly string[], options: SpawnSyncOptions = {}) {
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...options });
  return { status: result.status, stdout: String(result.stdout ?? ''), stderr: String(result.stderr ?? '') };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function eventually<T>(what: string, timeoutMs: number, probe: () => T | undefined): Promise<T> {
  const started = Date.now();
  let lastError = '';
  while (Date.now() - started < timeoutMs) {
    try {
      const value = probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error instanceof Error ? error.message : String(error);
    }
    await sleep(2_000);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${lastError}` : ''}`);
}

export interface PortForward {
  /** Local port for each remote port, in the order asked. */
  readonly ports: readonly number[];
  close(): void;
}

/** `kubectl port-forward <target> :<port>...`, resolved once kubectl prints every "Forwarding from" line. */
export function portForward(kubectl: readonly string[], namespace: string, target: string, remote: number[]) {
  return new Promise<PortForward>((resolve, reject) => {
    const [command, ...base] = kubectl;
    const child = spawn(command!, [...base, '-n', namespace, 'port-forward', target, ...remote.map((p) => `:${p}`)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const local = new Map<number, number>();
    let output = '';
    const timer = setTimeout(() => fail(new Error(`port-forward to ${target} did not start: ${output}`)), 30_000);
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.kill();
      reject(error);
    };
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      for (const match of output.matchAll(/Forwarding from 127\.0\.0\.1:(\d+) -> (\d+)/g)) {
        local.set(Number(match[2]), Number(match[1]));
      }
      if (remote.every((port) => local.has(port))) {
        clearTimeout(timer);
        resolve({ ports: remote.map((port) => local.get(port)!), close: () => child.kill() });
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('exit', (code) => fail(new Error(`port-forward exited ${code}: ${output}`)));
  });
}
