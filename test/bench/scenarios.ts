// The measurements themselves: steady-state throughput on one session, new-session latency, idle-session memory.
import { CLK_TCK, machineTicks, readStat, treeCpuSeconds, treeMemory } from './proc-stats.ts';
import type { RunningTarget } from './target-process.ts';
import type { IdleSessionsResult, NewSessionResult, ThroughputResult } from './types.ts';
import { runWrk, socketErrors, threadsFor } from './wrk.ts';

const MB = 1024;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Nearest-rank percentile of an ascending list. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** Checks a 2026-07-28 target really proxies, without a session: a stateless echo round trip. */
async function checkModern(target: RunningTarget): Promise<string> {
  const text = `bench-check-${Date.now()}`;
  const meta = {
    'io.modelcontextprotocol/protocolVersion': '2026-07-28',
    'io.modelcontextprotocol/clientCapabilities': {},
  };
  const body = {
    jsonrpc: '2.0',
    id: 1,
    method: 'tools/call',
    params: { name: 'echo', arguments: { message: text }, _meta: meta },
  };
  const response = await fetch(target.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2026-07-28',
      'mcp-method': 'tools/call',
      'mcp-name': 'echo',
    },
    body: JSON.stringify(body),
  });
  const answer = (await response.json()) as { result?: { content?: { text?: string }[]; resultType?: string } };
  if (answer.result?.content?.[0]?.text !== text || answer.result.resultType !== 'complete') {
    throw new Error(`2026-07-28 tools/call echo answered ${response.status} ${JSON.stringify(answer)}`);
  }
  return '';
}

/** Creates the session wrk will use, and checks the target really proxies: tools/list and an echo round trip. */
export async function openBenchSession(target: RunningTarget): Promise<string> {
  const { client, def } = target;
  if (def.wire === '2026-07-28') return checkModern(target);
  const { sessionId } = await client.initialize();
  if (def.kind === 'bare') return sessionId ?? '';
  if (!sessionId) throw new Error('initialize response carried no Mcp-Session-Id header');
  const list = (await client.request('tools/list', {}, sessionId)) as { tools?: { name?: string }[] };
  if (!list.tools?.some((tool) => tool.name === 'echo')) throw new Error('tools/list does not include "echo"');
  const text = `bench-check-${Date.now()}`;
  const call = (await client.request('tools/call', { name: 'echo', arguments: { message: text } }, sessionId)) as {
    content?: { text?: string }[];
  };
  if (call.content?.[0]?.text !== text) throw new Error(`tools/call echo returned ${JSON.stringify(call)}`);
  return sessionId;
}

export type LoadOptions = { session: string; connections: number; durationS: number; idBase: number; marker: string };

type CpuSample = { target: number; self: number; box: { busy: number; total: number } };

// The runner's own ticks include wrk's once wrk has been reaped (cutime/cstime), so self = runner + wrk.
function sampleCpu(root: number): CpuSample {
  return { target: treeCpuSeconds(root), self: (readStat(process.pid)?.ticks ?? 0) / CLK_TCK, box: machineTicks() };
}

/** Machine CPU (seconds) used by neither the target tree, nor wrk, nor the runner: other load on the box. */
function foreignCpu(before: CpuSample, after: CpuSample): { busy: number; foreign: number } {
  const busySeconds = (after.box.busy - before.box.busy) / CLK_TCK;
  const ours = after.target - before.target + (after.self - before.self);
  const total = Math.max(1, after.box.total - before.box.total);
  return {
    busy: (after.box.busy - before.box.busy) / total,
    foreign: Math.max(0, busySeconds - ours) / (total / CLK_TCK),
  };
}

export async function throughput(target: RunningTarget, load: LoadOptions): Promise<ThroughputResult> {
  const root = target.group.pid;
  const before = sampleCpu(root);
  const wrk = await runWrk({ url: target.url, ...load, wire: target.def.wire });
  const after = sampleCpu(root);
  const errors = wrk.non2xx + wrk.no_result + socketErrors(wrk);
  const ok = Math.max(0, wrk.requests - wrk.non2xx - wrk.no_result);
  const cpuSeconds = after.target - before.target;
  const { busy, foreign } = foreignCpu(before, after);
  return {
    connections: load.connections,
    threads: threadsFor(load.connections),
    durationS: load.durationS,
    callsPerSecond: ok / (wrk.duration_us / 1e6),
    p50Ms: wrk.latency_us.p50 / 1000,
    p99Ms: wrk.latency_us.p99 / 1000,
    errors,
    cpuSeconds,
    cpuMsPerCall: ok > 0 ? (cpuSeconds * 1000) / ok : NaN,
    machineBusy: busy,
    foreignLoad: foreign,
    memory: treeMemory(root),
    wrk,
  };
}

/**
 * N sequential fresh sessions: initialize + notifications/initialized + tools/list, timed end to end. `paced`: before
 * each (untimed), wait until our per-session bridge's warm pool holds an upstream again, i.e. sessions arriving no
 * faster than the pool refills; back-to-back sessions outrun a pool of one and most of them start cold.
 */
export async function newSessions(target: RunningTarget, count: number, paced = false): Promise<NewSessionResult> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    if (paced && target.adminUrl) await poolRefilled(target.adminUrl);
    const started = performance.now();
    const { sessionId } = await target.client.initialize();
    await target.client.request('tools/list', {}, sessionId);
    samples.push(performance.now() - started);
    // Untimed: per-session bridges keep a child per session, and 50 idle children would skew later figures.
    await target.client.deleteSession(sessionId).catch(() => undefined);
  }
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    sessions: count,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    meanMs: samples.reduce((a, b) => a + b, 0) / count,
    maxMs: sorted[sorted.length - 1]!,
    samplesMs: samples.map((ms) => Math.round(ms * 100) / 100),
  };
}

async function poolRefilled(adminUrl: string): Promise<void> {
  for (let waited = 0; waited < 10_000; waited += 10) {
    const status = (await (await fetch(`${adminUrl}/status`)).json()) as { pool?: { ready: number } };
    if ((status.pool?.ready ?? 0) >= 1) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('the warm pool did not refill within 10 s');
}

/** Opens `count` sessions (initialize + initialized, a few at a time) and leaves them idle; reports bridge RSS. */
export async function idleSessions(target: RunningTarget, count: number, barMb: number): Promise<IdleSessionsResult> {
  const root = target.group.pid;
  const before = treeMemory(root);
  const started = performance.now();
  let opened = 0;
  const worker = async (): Promise<void> => {
    while (opened < count) {
      opened++;
      const { sessionId } = await target.client.initialize();
      if (!sessionId) throw new Error('initialize response carried no Mcp-Session-Id header');
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
  const openSeconds = (performance.now() - started) / 1000;
  await sleep(2000); // let the heap settle: we want resident memory of idle sessions, not of the burst
  const after = treeMemory(root);
  const rssAfterMb = after.rootRssKb / MB;
  return {
    sessions: count,
    rssBeforeMb: before.rootRssKb / MB,
    rssAfterMb,
    peakRssMb: after.rootHwmKb / MB,
    treeRssAfterMb: after.treeRssKb / MB,
    openSeconds,
    barMb,
    withinBar: rssAfterMb <= barMb,
  };
}
