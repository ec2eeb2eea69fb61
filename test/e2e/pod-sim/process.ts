// One run of a container: its main process (the container's PID 1) spawned in its own session, with stdout and
// stderr kept as the container log, and the exit status the runtime would report.

import { spawn } from 'node:child_process';

import type { LaunchPlan } from './launch.ts';

export interface ExitStatus {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface LogLine {
  readonly time: number;
  readonly container: string;
  readonly stream: 'stdout' | 'stderr';
  readonly text: string;
}

export interface ContainerProcess {
  readonly pid: number;
  readonly startedAt: number;
  /** Resolves when the main process exited (other processes of the container may still be alive). */
  readonly exited: Promise<ExitStatus>;
  readonly running: () => boolean;
  /** Signals the main process only, as the runtime does for the stop signal. */
  readonly signal: (signal: NodeJS.Signals) => void;
}

/** Spawns the plan; a spawn failure (e.g. ENOENT) becomes a non-zero exit, like a container that could not start. */
export function startProcess(name: string, plan: LaunchPlan, onLog: (line: LogLine) => void): ContainerProcess {
  const child = spawn(plan.argv[0]!, plan.argv.slice(1), {
    cwd: plan.cwd,
    env: plan.env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let running = true;
  const exited = new Promise<ExitStatus>((resolve) => {
    child.once('error', (error) => {
      onLog({ time: Date.now(), container: name, stream: 'stderr', text: `[pod-sim] cannot start: ${error.message}` });
      running = false;
      resolve({ code: 128, signal: null });
    });
    child.once('exit', (code, signal) => {
      running = false;
      resolve({ code, signal });
    });
  });
  for (const stream of ['stdout', 'stderr'] as const) pipeLines(child[stream], name, stream, onLog);
  return {
    pid: child.pid ?? -1,
    startedAt: Date.now(),
    exited,
    running: () => running,
    signal: (signal) => {
      if (running) child.kill(signal);
    },
  };
}

function pipeLines(
  stream: NodeJS.ReadableStream,
  container: string,
  name: 'stdout' | 'stderr',
  onLog: (line: LogLine) => void,
): void {
  let pending = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    const lines = (pending + chunk).split('\n');
    pending = lines.pop() ?? '';
    for (const text of lines) onLog({ time: Date.now(), container, stream: name, text });
  });
  stream.on('end', () => {
    if (pending) onLog({ time: Date.now(), container, stream: name, text: pending });
  });
}
