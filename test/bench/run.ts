// `npm run bench`: every bridge side by side in one run, in front of the same echo server, on the same machine,
// throughput measured in interleaved rounds (median reported).
// wrk, the bridge and the echo server share the machine's cores; that is identical for every target, so the
// ratios are comparable even where the absolute figures are capped by the box. See README.md.
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { USAGE, parseOptions } from './options.ts';
import type { BenchOptions } from './options.ts';
import { installCleanup, isStopping, processesCarrying, sweepStrays } from './proc-group.ts';
import { startExtras, TRACES_PATH } from './extras.ts';
import { NOISY_LOAD, idleCheck, machineInfo, printTables, writeResults } from './report.ts';
import { idleSessions, newSessions, openBenchSession, throughput } from './scenarios.ts';
import { startTarget, stopTarget } from './target-process.ts';
import type { RunContext, RunningTarget } from './target-process.ts';
import { buildBaseline } from './baseline.ts';
import { BENCH_DIR, targetsFor } from './targets.ts';
import type { TargetDef } from './targets.ts';
import type { TargetResult, ThroughputResult } from './types.ts';
import { WRK, runWrk } from './wrk.ts';

const RESULTS_DIR = join(BENCH_DIR, 'results');
const MARKER_PREFIX = 'mcp-bench-';
const log = (message: string): void => console.error(`[bench] ${message}`);
const message = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** Each wrk run on a session gets its own id range (threads use 1e9-wide slices inside it). */
let wrkRuns = 0;
const nextIdBase = (): number => ++wrkRuns * 1e10;

type Entry = {
  def: TargetDef;
  result: TargetResult;
  /** Running while it takes part; undefined once stopped (or when it never started). */
  target?: RunningTarget;
  session: string;
  rounds: Map<number, ThroughputResult[]>;
};

/** Starts a target, opens the session wrk will load, and warms it up. A failure is recorded on the entry. */
async function startEntry(def: TargetDef, options: BenchOptions, run: RunContext): Promise<Entry> {
  const result: TargetResult = { id: def.id, label: def.label, kind: def.kind, available: false, throughput: [] };
  const entry: Entry = { def, result, session: '', rounds: new Map() };
  try {
    log(`${def.label}: starting`);
    entry.target = await startTarget(def, run);
  } catch (error) {
    result.reason = message(error);
    log(`${def.label}: not available: ${result.reason}`);
    return entry;
  }
  result.available = true;
  result.startupMs = Math.round(entry.target.startupMs);
  log(`${def.label}: ready in ${result.startupMs} ms (pid ${entry.target.group.pid})`);
  try {
    entry.session = await openBenchSession(entry.target);
    log(`${def.label}: session ${entry.session || '(none: bare ceiling)'}; echo verified`);
    const connections = Math.max(...options.connections);
    const warm = { session: entry.session, connections, durationS: options.warmupS, idBase: nextIdBase() };
    if (options.warmupS > 0) await runWrk({ url: entry.target.url, ...warm, marker: run.marker, wire: def.wire });
  } catch (error) {
    await fail(entry, error);
  }
  return entry;
}

async function fail(entry: Entry, error: unknown): Promise<void> {
  entry.result.reason = message(error);
  log(`${entry.def.label}: failed: ${entry.result.reason}`);
  if (entry.target) await stopTarget(entry.target);
  entry.target = undefined;
}

/**
 * Throughput in rounds. In each round, for each connection count, every running target runs once, back to back, the
 * order rotated each round: a slow spell of the machine (this VM has them, up to 2×) then hits every target rather
 * than whichever ran at the time, and the runs a paired ratio compares (table.ts) are next to each other in time.
 * Each target reports its median round; the errors column counts every round.
 */
async function throughputRounds(entries: Entry[], options: BenchOptions, marker: string): Promise<void> {
  for (let round = 0; round < options.rounds && !isStopping(); round += 1) {
    for (const connections of options.connections) {
      const live = entries.filter((entry) => entry.target);
      const shift = round % Math.max(1, live.length);
      for (const entry of [...live.slice(shift), ...live.slice(0, shift)]) {
        if (isStopping()) return;
        try {
          await oneRun(entry, { options, marker, round, connections });
        } catch (error) {
          await fail(entry, error);
        }
      }
    }
  }
  for (const entry of entries) {
    if (entry.result.available && !entry.result.reason)
      entry.result.throughput = [...entry.rounds.values()].map(median);
  }
}

interface RunPlace {
  readonly options: BenchOptions;
  readonly marker: string;
  readonly round: number;
  readonly connections: number;
}

async function oneRun(entry: Entry, { options, marker, round, connections }: RunPlace): Promise<void> {
  const load = { session: entry.session, connections, durationS: options.durationS, idBase: nextIdBase(), marker };
  const run = await throughput(entry.target!, load);
  entry.rounds.set(connections, [...(entry.rounds.get(connections) ?? []), run]);
  const calls = Math.round(run.callsPerSecond);
  log(
    `${entry.def.label}: round ${round + 1}/${options.rounds} c=${connections} ${calls} calls/s, ${run.errors} errors`,
  );
}

/** The median round by calls/s (the lower middle one for an even count), with every round's rate and all errors. */
function median(runs: ThroughputResult[]): ThroughputResult {
  const sorted = [...runs].sort((a, b) => a.callsPerSecond - b.callsPerSecond);
  const middle = sorted[Math.floor((sorted.length - 1) / 2)]!;
  const errors = runs.reduce((sum, run) => sum + run.errors, 0);
  return { ...middle, errors, roundsCallsPerSecond: runs.map((run) => run.callsPerSecond) };
}

/** After the rounds, one target at a time: new-session timing, stop, then idle sessions on a fresh instance. */
async function finish(entry: Entry, options: BenchOptions, run: RunContext): Promise<void> {
  if (!entry.target) return;
  const { def, result } = entry;
  try {
    // 2026-07-28 has no sessions: the session scenarios belong to the 2025 rows.
    const sessions = def.wire === undefined;
    if (sessions && options.newSessions > 0) await measureNewSessions(entry.target, result, options);
    await stopTarget(entry.target);
    entry.target = undefined;
    if (sessions && def.id.startsWith('sidecar-shared') && options.idleSessions > 0)
      await measureIdle(def, result, options, run);
  } catch (error) {
    await fail(entry, error);
  }
}

async function measureNewSessions(target: RunningTarget, result: TargetResult, options: BenchOptions) {
  const { label, id } = target.def;
  result.newSession = await newSessions(target, options.newSessions);
  log(`${label}: new session p50 ${result.newSession.p50Ms.toFixed(1)} ms`);
  if (id.startsWith('sidecar-per-session')) {
    result.newSessionPaced = await newSessions(target, options.newSessions, true);
    log(`${label}: new session with a warm upstream waiting, p50 ${result.newSessionPaced.p50Ms.toFixed(1)} ms`);
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
  const extras = await startExtras(logDir);
  const run: RunContext = { marker, logDir, maxSessions: options.idleSessions + 64, extras };
  return { run, stamp, machine: { ...machineInfo(), busyBeforeStart } };
}

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  if (!options) {
    console.log(USAGE);
    return 0;
  }
  const startedAt = new Date().toISOString();
  const baseline = options.baseline === undefined ? undefined : buildBaseline(options.baseline);
  const { run, stamp, machine } = await prepare(options);
  // Every target runs from start to finish of the throughput rounds (idle ones cost next to nothing).
  const entries: Entry[] = [];
  for (const def of targetsFor(baseline).filter((t) => options.only.includes(t.id))) {
    if (isStopping()) break;
    entries.push(await startEntry(def, options, run));
  }
  await throughputRounds(entries, options, run.marker);
  for (const entry of entries) if (!isStopping()) await finish(entry, options, run);
  if (isStopping()) return 130; // interrupted: no partial tables; the signal handler exits
  const results = entries.map((entry) => entry.result);
  const strays = sweepStrays(run.marker);
  if (strays > 0) log(`killed ${strays} stray process(es) left behind by targets`);
  await run.extras.close();
  for (const [id, path] of Object.entries(TRACES_PATH) as [TracedRow, string][]) {
    if (!options.only.includes(id)) continue;
    log(`${id}: ${run.extras.exports(path)} span exports received by the OTLP sink`);
    log(`${id}: ${droppedSpans(run.logDir, id)} spans dropped`);
  }
  printTables(results, options);
  const finishedAt = new Date().toISOString();
  const document = { startedAt, finishedAt, marker: run.marker, options, baseline, machine, strays, results };
  log(`results: ${writeResults(RESULTS_DIR, stamp, document)} (target logs in ${run.logDir})`);
  // Only a target that started and then failed is a benchmark failure; "not available" is reported, not fatal.
  return results.some((r) => r.available && r.reason) ? 1 : 0;
}

type TracedRow = keyof typeof TRACES_PATH;

/**
 * Spans a traced row reported dropping (a full export queue): one that dropped spans did less work. The bridge logs
 * `"dropped_spans":N`; the SDK (bare-traced, through its diag logger) `Dropped N spans`.
 */
function droppedSpans(logDir: string, id: TracedRow): number {
  const file = join(logDir, `${id}.log`);
  if (!existsSync(file)) return 0;
  const counts = readFileSync(file, 'utf8').matchAll(/"dropped_spans":(\d+)|Dropped (\d+) spans/g);
  return [...counts].reduce((sum, match) => sum + Number(match[1] ?? match[2]), 0);
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
