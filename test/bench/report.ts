// Everything that leaves the run: the tables on stdout and the full JSON under test/bench/results/.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { join } from 'node:path';
import type { BenchOptions } from './options.ts';
import { CLK_TCK, machineTicks } from './proc-stats.ts';
import { baselineTable, eraTable, featureTable, idleSessionsTable, newSessionTable, throughputTable } from './table.ts';
import { REPO_ROOT } from './targets.ts';
import type { TargetResult } from './types.ts';
import { WRK } from './wrk.ts';

function packageVersion(name: string): string | undefined {
  try {
    const text = readFileSync(join(REPO_ROOT, 'node_modules', name, 'package.json'), 'utf8');
    return (JSON.parse(text) as { version?: string }).version;
  } catch {
    return undefined;
  }
}

function wrkVersion(): string {
  try {
    // wrk prints its version banner with the usage text and exits non-zero.
    execFileSync(WRK, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const out = (error as { stdout?: string }).stdout;
    return typeof out === 'string' ? (out.split('\n')[0]?.trim() ?? 'unknown') : 'unknown';
  }
  return 'unknown';
}

export function machineInfo(): Record<string, unknown> {
  const cpuList = cpus();
  return {
    cpus: cpuList.length,
    cpuModel: cpuList[0]?.model,
    memoryMb: Math.round(totalmem() / 2 ** 20),
    kernel: release(),
    node: process.version,
    wrk: wrkVersion(),
    clockTicksPerSecond: CLK_TCK,
    loadAverageAtStart: loadavg(),
    peers: { supergateway: packageVersion('supergateway'), 'mcp-proxy': packageVersion('mcp-proxy') },
  };
}

/** Share of the machine busy over `ms` before the run starts: other load makes every figure noisy. */
export async function idleCheck(ms = 1000): Promise<number> {
  const before = machineTicks();
  await new Promise((resolve) => setTimeout(resolve, ms));
  const after = machineTicks();
  return (after.busy - before.busy) / Math.max(1, after.total - before.total);
}

/** Above this share of foreign CPU during a wrk run, the run's figures say more about the box than the bridge. */
export const NOISY_LOAD = 0.1;

function noiseWarning(results: TargetResult[]): string | undefined {
  const noisy = results.flatMap((t) =>
    t.throughput.filter((r) => r.foreignLoad > NOISY_LOAD).map((r) => `${t.label} c=${r.connections}`),
  );
  if (noisy.length === 0) return undefined;
  return `WARNING: other processes used > ${NOISY_LOAD * 100}% of the CPUs during: ${noisy.join(', ')}. Re-run on a quiet machine before quoting these.`;
}

export function printTables(results: TargetResult[], options: BenchOptions): void {
  const blocks = options.connections.map((c) => throughputTable(results, c, options.durationS, options.rounds));
  if (options.newSessions > 0) blocks.push(newSessionTable(results, options.newSessions));
  const idle = options.idleSessions > 0 ? idleSessionsTable(results) : undefined;
  if (idle) blocks.push(idle);
  const eras = eraTable(results, options.connections);
  if (eras) blocks.push(eras);
  const features = featureTable(results, options.connections);
  if (features) blocks.push(features);
  const versus = baselineTable(results, options.connections);
  if (versus) blocks.push(versus);
  const warning = noiseWarning(results);
  if (warning) blocks.push(warning);
  console.log(`\n${blocks.join('\n\n')}\n`);
}

export function writeResults(dir: string, stamp: string, document: Record<string, unknown>): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${stamp}.json`);
  writeFileSync(path, JSON.stringify(document, null, 2) + '\n');
  return path;
}
