// The long soak (npm run soak): session churn against a real bridge process in both session modes, with the
// bridge's open file descriptors, RSS, child processes and session count before and after, then the long versions
// of two abuse runs (soak/abuse.ts), printed as tables. Each session: initialize, notifications/initialized, one
// tools/call, DELETE. Loopback only.
//
//   npm run soak                                   # 10,000 sessions per mode, 16 at a time, then the abuse runs
//   npm run soak -- --sessions 1000 --concurrency 8 --modes shared --abuse false

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';

import { Agent, setGlobalDispatcher } from 'undici';

import { type BridgeProcess, spawnBridge } from '../helpers/bridge-process.ts';
import { MCP_HEADERS, openRawSession } from '../helpers/mcp-http.ts';
import { descendantsOf } from '../helpers/processes.ts';
import { type AbuseFigures, nonReadingFlood, stdoutFlood } from './abuse.ts';

/** Python without site packages starts in ~50 ms of CPU (Node ~250 ms): the soak measures the bridge, not start-ups. */
const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
const ECHO_SERVER = [PYTHON, '-S', new URL('echo_server.py', import.meta.url).pathname];

const { values } = parseArgs({
  options: {
    sessions: { type: 'string', default: '10000' },
    concurrency: { type: 'string', default: '16' },
    modes: { type: 'string', default: 'shared,per-session' },
    abuse: { type: 'string', default: 'true' },
  },
});
const SESSIONS = Number(values.sessions);
const CONCURRENCY = Number(values.concurrency);

interface Sample {
  readonly fds: number;
  readonly rssMb: number;
  readonly children: number;
  readonly sessions: number;
  readonly inflight: number;
}

async function sample(bridge: BridgeProcess): Promise<Sample> {
  const pid = bridge.child.pid!;
  const metrics = await (await fetch(`${bridge.adminUrl}/metrics`)).text();
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  const gauge = (name: string) => Number(new RegExp(`^${name} (\\d+)`, 'm').exec(metrics)?.[1] ?? NaN);
  return {
    fds: readdirSync(`/proc/${pid}/fd`).length,
    rssMb: Math.round(rssKb / 1024),
    children: descendantsOf(pid).length,
    sessions: gauge('mcp_sidecar_sessions'),
    inflight: gauge('mcp_sidecar_inflight_requests'),
  };
}

/** One session's whole life; returns why it failed, or undefined. */
async function churnOne(url: string, n: number): Promise<string | undefined> {
  try {
    const session = await openRawSession(url);
    const answer = await session.call('tools/call', { name: 'echo', arguments: { message: `soak ${n}` } });
    const deleted = await fetch(url, { method: 'DELETE', headers: { ...MCP_HEADERS, 'mcp-session-id': session.id } });
    await deleted.body?.cancel();
    if (answer.result === undefined) return `tools/call: ${JSON.stringify(answer.error)}`;
    return deleted.status === 200 ? undefined : `DELETE: ${deleted.status}`;
  } catch (error) {
    return error instanceof Error ? error.message.slice(0, 200) : String(error);
  }
}

async function soak(mode: string) {
  const bridge = await spawnBridge(['--session-mode', mode, '--pool-min', '4', '--', ...ECHO_SERVER]);
  try {
    await sleep(1_000);
    const before = await sample(bridge);
    let next = 0;
    let failed = 0;
    const reasons = new Map<string, number>();
    const started = performance.now();
    const worker = async () => {
      for (let n = next++; n < SESSIONS; n = next++) {
        const failure = await churnOne(bridge.url, n);
        if (failure !== undefined) {
          failed++;
          reasons.set(failure, (reasons.get(failure) ?? 0) + 1);
        }
        if (n > 0 && n % 1000 === 0) process.stderr.write(`  ${mode}: ${n} sessions\n`);
      }
    };
    const clients = new Agent();
    setGlobalDispatcher(clients);
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const seconds = (performance.now() - started) / 1000;
    await clients.close(); // the soak's own keep-alive connections are not the bridge's leak
    setGlobalDispatcher(new Agent());
    await sleep(3_000); // the pool refills, per-session children finish their close ladder
    const after = await sample(bridge);
    for (const [reason, count] of reasons) process.stderr.write(`  ${mode}: ${count} × ${reason}\n`);
    return { mode, seconds, failed, before, after };
  } finally {
    await bridge.stop('SIGTERM');
  }
}

const rows: string[] = [
  `| Mode | Sessions | Failed | Time | fds | RSS MB | children | sessions | in flight |`,
  `| --- | --- | --- | --- | --- | --- | --- | --- | --- |`,
];
for (const mode of values.modes.split(',')) {
  process.stderr.write(`${mode}: ${SESSIONS} sessions, ${CONCURRENCY} at a time\n`);
  const { seconds, failed, before, after } = await soak(mode);
  const pair = (key: keyof Sample) => `${before[key]} → ${after[key]}`;
  rows.push(
    `| ${mode} | ${SESSIONS} | ${failed} | ${seconds.toFixed(0)} s | ${pair('fds')} | ${pair('rssMb')} | ${pair('children')} | ${pair('sessions')} | ${pair('inflight')} |`,
  );
}
process.stdout.write(`${rows.join('\n')}\n`);

if (values.abuse !== 'false') {
  const abuse: AbuseFigures[] = [];
  for (const run of [nonReadingFlood, stdoutFlood]) {
    process.stderr.write(`abuse: ${run.name}\n`);
    abuse.push(await run());
  }
  const table = [
    '| Run | Duration | RSS before → peak → after (MB) | Detail |',
    '| --- | --- | --- | --- |',
    ...abuse.map(
      (a) =>
        `| ${a.run} | ${a.seconds} s | ${a.rssBeforeMb.toFixed(0)} → ${a.rssPeakMb.toFixed(0)} → ${a.rssAfterMb.toFixed(0)} | ${a.detail} |`,
    ),
  ];
  process.stdout.write(`\n${table.join('\n')}\n`);
}
