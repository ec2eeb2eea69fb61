// `npm run bench`: every bridge side by side in one run, in front of the same echo server, on the same machine.
// wrk, the bridge and the echo server share the machine's cores; that is identical for every target, so the
// ratios are comparable even where the absolute figures are capped by the box. See README.md.
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { USAGE, parseOptions } from './options.ts';
import type { BenchOptions } from './options.ts';
import { installCleanup, isStopping, processesCarrying, sweepStrays } from './proc-group.ts';
import { NOISY_LOAD, idleCheck, machineInfo, printTables, writeResults } from './report.ts';
import { idleSessions, newSessions, openBenchSession, throughput } from './scenarios.ts';
import { startTarget, stopTarget } from './target-process.ts';
import type { RunContext, RunningTarget } from './target-process.ts';
import { BENCH_DIR, TARGETS } from './targets.ts';
import type { TargetDef } from './targets.ts';
import type { TargetResult } from './types.ts';
import { WRK, runWrk } from './wrk.ts';

const RESULTS_DIR = join(BENCH_DIR, 'results');
const MARKER_PREFIX = 'mcp-bench-';
const log = (message: string): void => console.error(`[bench] ${message}`);
const message = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** Each wrk run on a session gets its own id range (threads use 1e9-wide slices inside it). */
let wrkRuns = 0;
const nextIdBase = (): number => ++wrkRuns * 1e10;

async function measure(target: RunningTarget, result: TargetResult, options: BenchOptions, marker: string) {
  const session = await openBenchSession(target);
  log(`${target.def.label}: session ${session || '(none: bare ceiling)'}; echo verified`);
  const maxConnections = Math.max(...options.connections);
  if (options.warmupS > 0) {
    const warm = { session, connections: maxConnections, durationS: options.warmupS, idBase: nextIdBase(), marker };
    await runWrk({ url: target.url, ...warm });
  }
  for (const connections of options.connections) {
    const load = { session, connections, durationS: options.durationS, idBase: nextIdBase(), marker };
    const run = await throughput(target, load);
    result.throughput.push(run);
    log(`${target.def.label}: c=${connections} ${Math.round(run.callsPerSecond)} calls/s, ${run.errors} errors`);
  }
  if (options.newSessions > 0) {
    result.newSession = await newSessions(target, options.newSessions);
    log(`${target.def.label}: new session p50 ${result.newSession.p50Ms.toFixed(1)} ms`);
    if (target.def.id === 'sidecar-per-session') {
      result.newSessionPaced = await newSessions(target, options.newSessions, true);
      log(
        `${target.def.label}: new session with a warm upstream waiting, p50 ${result.newSessionPaced.p50Ms.toFixed(1)} ms`,
      );
    }
  }
}

/**
 * Idle-session memory is measured on a fresh bridge: after the throughput runs the heap has grown under load, and
 * that RSS would say nothing about what idle sessions cost.
 */
async function measureIdle(def: TargetDef, result: TargetResult, options: BenchOptions, run: RunContext) {
  log(`${def.label}: fresh instance for the idle-session measurement`);
  const target = await startTarget(def, run);
  try {
    const idle = await idleSessions(target, options.idleSessions, options.idleBarMb);
    result.idleSessions = idle;
    log(`${def.label}: ${idle.sessions} idle sessions, RSS ${idle.rssAfterMb.toFixed(1)} MB`);
  } finally {
    await stopTarget(target);
  }
}

async function benchTarget(def: TargetDef, options: BenchOptions, run: RunContext): Promise<TargetResult> {
  const result: TargetResult = { id: def.id, label: def.label, kind: def.kind, available: false, throughput: [] };
  let target: RunningTarget;
  try {
    log(`${def.label}: starting`);
    target = await startTarget(def, run);
  } catch (error) {
    result.reason = message(error);
    log(`${def.label}: not available: ${result.reason}`);
    return result;
  }
  result.available = true;
  result.startupMs = Math.round(target.startupMs);
  log(`${def.label}: ready in ${result.startupMs} ms (pid ${target.group.pid})`);
  try {
    try {
      await measure(target, result, options, run.marker);
    } finally {
      await stopTarget(target);
    }
    if (def.id === 'sidecar-shared' && options.idleSessions > 0) await measureIdle(def, result, options, run);
  } catch (error) {
    result.reason = message(error);
    log(`${def.label}: failed: ${result.reason}`);
  }
  return result;
}

/** Everything before the first target: leftover check, cleanup handlers, result folders, machine facts. */
async function prepare(options: BenchOptions) {
  if (!existsSync(WRK)) throw new Error(`wrk not found at ${WRK} (set WRK=/path/to/wrk)`);
  // Leftovers of a run that was kill -9'd (or of a concurrent run) load the box: say so, but never kill them.
  const earlier = processesCarrying(MARKER_PREFIX);
  if (earlier.length > 0) log(`other bench processes are running (pids ${earlier.join(', ')}): expect noise`);
  const marker = `${MARKER_PREFIX}${randomUUID()}`;
  installCleanup(marker);
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const logDir = join(RESULTS_DIR, `${stamp}-logs`);
  mkdirSync(logDir, { recursive: true });
  const busyBeforeStart = await idleCheck();
  if (busyBeforeStart > NOISY_LOAD)
    log(`machine ${Math.round(busyBeforeStart * 100)}% busy before start: expect noise`);
  const run: RunContext = { marker, logDir, maxSessions: options.idleSessions + 64 };
  return { run, stamp, machine: { ...machineInfo(), busyBeforeStart } };
}

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  if (!options) {
    console.log(USAGE);
    return 0;
  }
  const startedAt = new Date().toISOString();
  const { run, stamp, machine } = await prepare(options);
  const results: TargetResult[] = [];
  for (const def of TARGETS.filter((t) => options.only.includes(t.id))) {
    if (isStopping()) break;
    results.push(await benchTarget(def, options, run));
  }
  if (isStopping()) return 130; // interrupted: no partial tables; the signal handler exits
  const strays = sweepStrays(run.marker);
  if (strays > 0) log(`killed ${strays} stray process(es) left behind by targets`);
  printTables(results, options);
  const finishedAt = new Date().toISOString();
  const document = { startedAt, finishedAt, marker: run.marker, options, machine, strays, results };
  log(`results: ${writeResults(RESULTS_DIR, stamp, document)} (target logs in ${run.logDir})`);
  // Only a target that started and then failed is a benchmark failure; "not available" is reported, not fatal.
  return results.some((r) => r.available && r.reason) ? 1 : 0;
}

// While a signal is being handled, its handler owns the exit (after the process trees are gone).
main().then(
  (code) => isStopping() || process.exit(code),
  (error: unknown) => {
    if (isStopping()) return;
    console.error(`[bench] ${message(error)}`);
    process.exit(2);
  },
);
