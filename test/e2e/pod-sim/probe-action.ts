// One probe attempt, as the kubelet performs it: httpGet (success is a status in 200..399 within timeoutSeconds),
// tcpSocket (a connection opens within timeoutSeconds) or exec (the command, run in the container's environment and
// working directory with the container's path and port rewrites, exits 0 within timeoutSeconds; its output is the
// event's detail). The pod IP is 127.0.0.1 here.

import { spawn } from 'node:child_process';
import { connect } from 'node:net';

import type { LaunchPlan } from './launch.ts';
import { type PortMap, probeHostPort } from './ports.ts';
import type { Container, Probe } from './types.ts';

export interface ProbeOutcome {
  readonly ok: boolean;
  /** HTTP status, when the probe got one. */
  readonly status?: number;
  /** What the kubelet would put in the event: status and body head, or the error. */
  readonly detail: string;
}

export interface ProbeTarget {
  readonly container: Container;
  readonly ports: PortMap;
  /** For exec probes: the command runs with the container's environment and working directory. */
  readonly plan: LaunchPlan;
}

/** `signal` ends an exec probe's process at once: the container stopped, and with it everything running in it. */
export function runProbeAction(probe: Probe, target: ProbeTarget, signal?: AbortSignal): Promise<ProbeOutcome> {
  const timeoutMs = (probe.timeoutSeconds ?? 1) * 1000;
  if (probe.httpGet) return httpProbe(probe.httpGet, target, timeoutMs);
  if (probe.tcpSocket) return tcpProbe(probeHostPort(probe.tcpSocket.port, target.container, target.ports), timeoutMs);
  if (probe.exec) return execProbe(probe.exec.command, target.plan, timeoutMs, signal);
  return Promise.resolve({ ok: false, detail: 'probe has no handler (httpGet, tcpSocket or exec)' });
}

async function httpProbe(
  action: NonNullable<Probe['httpGet']>,
  target: ProbeTarget,
  timeoutMs: number,
): Promise<ProbeOutcome> {
  if ((action.scheme ?? 'HTTP') !== 'HTTP') return { ok: false, detail: `scheme ${action.scheme} is not simulated` };
  const port = probeHostPort(action.port, target.container, target.ports);
  const url = `http://${action.host ?? '127.0.0.1'}:${port}${action.path ?? '/'}`;
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
    const body = (await response.text()).slice(0, 200);
    const ok = response.status >= 200 && response.status < 400;
    return { ok, status: response.status, detail: `HTTP ${response.status} ${body}`.trim() };
  } catch (error) {
    return { ok: false, detail: `GET ${url}: ${describe(error)}` };
  }
}

function tcpProbe(port: number, timeoutMs: number): Promise<ProbeOutcome> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port, timeout: timeoutMs });
    const finish = (outcome: ProbeOutcome) => {
      socket.destroy();
      resolve(outcome);
    };
    socket.once('connect', () => finish({ ok: true, detail: `connected to port ${port}` }));
    socket.once('timeout', () => finish({ ok: false, detail: `port ${port}: timeout` }));
    socket.once('error', (error) => finish({ ok: false, detail: `port ${port}: ${error.message}` }));
  });
}

function execProbe(
  command: readonly string[],
  plan: LaunchPlan,
  timeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<ProbeOutcome> {
  let argv: string[];
  try {
    argv = plan.hostCommand(command);
  } catch (error) {
    return Promise.resolve({ ok: false, detail: `exec ${command.join(' ')}: ${(error as Error).message}` });
  }
  return new Promise((resolve) => {
    const options = { cwd: plan.cwd, env: plan.env, signal, killSignal: 'SIGKILL' as const };
    const child = spawn(argv[0]!, argv.slice(1), { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const collect = (chunk: Buffer) => void (output = (output + chunk.toString('utf8')).slice(0, 400));
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (error) => resolve({ ok: false, detail: `exec ${argv.join(' ')}: ${error.message}` }));
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      const status = signal === 'SIGKILL' ? `timeout after ${timeoutMs} ms` : `exit ${code ?? signal}`;
      resolve({ ok: code === 0, detail: `exec ${argv.join(' ')}: ${status} ${output.trim()}`.trim() });
    });
  });
}

function describe(error: unknown): string {
  if (error instanceof Error && error.name === 'TimeoutError') return 'timeout';
  if (error instanceof Error) return error.cause instanceof Error ? error.cause.message : error.message;
  return String(error);
}
