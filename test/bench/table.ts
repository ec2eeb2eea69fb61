// Plain-text tables, one per scenario, with each target's ratio to the best peer and to the bare ceiling.
import type { NewSessionResult, TargetResult, ThroughputResult } from './types.ts';

type Row = { label: string; cells: string[] } | { label: string; note: string };

const int = (n: number): string => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '–');
const fixed = (n: number, digits: number): string => (Number.isFinite(n) ? n.toFixed(digits) : '–');
const mb = (kb: number): string => fixed(kb / 1024, 1);

export function ratio(value: number | undefined, reference: number | undefined): string {
  if (value === undefined || reference === undefined || !Number.isFinite(value) || !(reference > 0)) return '–';
  const x = value / reference;
  return `${x >= 10 ? x.toFixed(1) : x >= 1 ? x.toFixed(2) : x.toPrecision(2)}×`;
}

function render(title: string, headers: string[], rows: Row[]): string {
  const widths = headers.map((h) => h.length);
  for (const row of rows) {
    if ('cells' in row) row.cells.forEach((cell, i) => (widths[i] = Math.max(widths[i]!, cell.length)));
  }
  const labelWidth = Math.max(6, ...rows.map((row) => row.label.length));
  const line = (label: string, cells: string[]): string =>
    [label.padEnd(labelWidth), ...cells.map((cell, i) => cell.padStart(widths[i]!))].join('  ');
  const out = [title, line('target', headers), '-'.repeat(line('', headers).length)];
  for (const row of rows) {
    out.push('cells' in row ? line(row.label, row.cells) : `${row.label.padEnd(labelWidth)}  ${row.note}`);
  }
  return out.join('\n');
}

function unavailable(target: TargetResult): Row {
  // First line says what happened; the last one is usually the target's own last log line, i.e. why.
  const lines = (target.reason ?? 'no result').split('\n').filter((line) => line.trim() !== '');
  const joined = lines.length > 1 ? `${lines[0]} | log: ${lines[lines.length - 1]!.trim()}` : (lines[0] ?? '');
  const reason = joined.length > 160 ? `${joined.slice(0, 157)}...` : joined;
  return { label: target.label, note: target.available ? `failed: ${reason}` : `not available: ${reason}` };
}

/** The best peer figure: highest for "more is better" metrics, lowest otherwise. */
function bestPeer(results: TargetResult[], pick: (t: TargetResult) => number | undefined, higher: boolean) {
  const values = results
    .filter((t) => t.kind === 'peer')
    .map(pick)
    .filter((v): v is number => v !== undefined && Number.isFinite(v));
  if (values.length === 0) return undefined;
  return higher ? Math.max(...values) : Math.min(...values);
}

const runAt = (t: TargetResult, c: number): ThroughputResult | undefined =>
  t.throughput.find((r) => r.connections === c);

export function throughputTable(
  results: TargetResult[],
  connections: number,
  durationS: number,
  rounds: number,
): string {
  const peerCalls = bestPeer(results, (t) => runAt(t, connections)?.callsPerSecond, true);
  const peerCpu = bestPeer(results, (t) => runAt(t, connections)?.cpuMsPerCall, false);
  const bareCalls = results.find((t) => t.kind === 'bare')?.throughput.find((r) => r.connections === connections);
  const headers = ['calls/s', 'rounds min–max', '÷ best peer', '÷ bare', 'p50 ms', 'p99 ms', 'errors', 'CPU s'];
  headers.push('CPU ms/call');
  headers.push('÷ best peer', 'RSS MB', 'tree MB', 'other load');
  const rows = results.map((t): Row => {
    const r = runAt(t, connections);
    if (!r) return unavailable(t);
    const all = r.roundsCallsPerSecond ?? [r.callsPerSecond];
    const cells = [
      int(r.callsPerSecond),
      `${int(Math.min(...all))}–${int(Math.max(...all))}`,
      ratio(r.callsPerSecond, peerCalls),
      ratio(r.callsPerSecond, bareCalls?.callsPerSecond),
    ];
    cells.push(fixed(r.p50Ms, 2), fixed(r.p99Ms, 2), int(r.errors), fixed(r.cpuSeconds, 2), fixed(r.cpuMsPerCall, 3));
    cells.push(ratio(r.cpuMsPerCall, peerCpu), mb(r.memory.rootHwmKb), mb(r.memory.treeHwmKb));
    cells.push(`${Math.round(r.foreignLoad * 100)}%`);
    return { label: t.label, cells };
  });
  const threads = connections === 1 ? 1 : 2;
  const noun = connections === 1 ? 'connection' : 'connections';
  return render(
    `Throughput: tools/call echo, ${connections} ${noun} (wrk -t${threads} -c${connections}), one session, ` +
      `median of ${rounds} interleaved rounds of ${durationS} s`,
    headers,
    rows,
  );
}

export function newSessionTable(results: TargetResult[], count: number): string {
  const pick = (t: TargetResult): NewSessionResult | undefined => t.newSession;
  const peer = bestPeer(results, (t) => pick(t)?.p50Ms, false);
  const bare = results.find((t) => t.kind === 'bare')?.newSession?.p50Ms;
  const headers = ['p50 ms', 'p99 ms', 'mean ms', 'max ms', 'p50 ÷ best peer', 'p50 ÷ bare'];
  const row = (label: string, r: NewSessionResult): Row => {
    const cells = [fixed(r.p50Ms, 2), fixed(r.p99Ms, 2), fixed(r.meanMs, 2), fixed(r.maxMs, 2)];
    return { label, cells: [...cells, ratio(r.p50Ms, peer), ratio(r.p50Ms, bare)] };
  };
  const rows = results.flatMap((t): Row[] => {
    const r = pick(t);
    if (!r && t.id.endsWith('-2026')) return []; // 2026-07-28 has no sessions to open
    if (!r) return [unavailable(t)];
    if (!t.newSessionPaced) return [row(t.label, r)];
    return [row(`${t.label}, back to back`, r), row(`${t.label}, warm one waiting`, t.newSessionPaced)];
  });
  const title = `New session: ${count} × (initialize + notifications/initialized + tools/list), sequential, fresh sessions`;
  return render(title, headers, rows);
}

export function idleSessionsTable(results: TargetResult[]): string | undefined {
  const rows: Row[] = [];
  let title = '';
  for (const t of results) {
    const r = t.idleSessions;
    if (r) {
      const perSession = ((r.rssAfterMb - r.rssBeforeMb) * 1024) / r.sessions;
      const verdict = r.withinBar ? `ok (≤ ${r.barMb} MB)` : `OVER ${r.barMb} MB`;
      title = `Idle sessions: ${int(r.sessions)} open sessions, bridge RSS (issue bar ≤ ${r.barMb} MB)`;
      const cells = [fixed(r.rssBeforeMb, 1), fixed(r.rssAfterMb, 1), fixed(perSession, 1), fixed(r.peakRssMb, 1)];
      rows.push({ label: t.label, cells: [...cells, fixed(r.openSeconds, 1), verdict] });
    } else if (t.id.startsWith('sidecar-shared') && !t.id.endsWith('-2026')) {
      rows.push(unavailable(t));
      title ||= 'Idle sessions: bridge RSS with many open sessions (mcp-sidecar shared only)';
    }
  }
  if (rows.length === 0) return undefined;
  return render(title, ['RSS before MB', 'RSS after MB', 'KB/session', 'peak MB', 'open s', 'verdict'], rows);
}

/** The two eras on one bridge, mode by mode: stateless 2026-07-28 calls against calls on a 2025-11-25 session. */
export function eraTable(results: TargetResult[], connections: number[]): string | undefined {
  const rows: Row[] = [];
  for (const mode of ['sidecar-shared', 'sidecar-per-session'] as const) {
    const [legacy, modern] = [results.find((t) => t.id === mode), results.find((t) => t.id === `${mode}-2026`)];
    if (!legacy || !modern) continue;
    for (const c of connections) {
      const [a, b] = [runAt(modern, c), runAt(legacy, c)];
      if (a && b) {
        rows.push({
          label: `${legacy.label}, calls/s at ${c}`,
          cells: [int(a.callsPerSecond), int(b.callsPerSecond), ratio(a.callsPerSecond, b.callsPerSecond)],
        });
      }
    }
  }
  if (rows.length === 0) return undefined;
  return render(
    '2026-07-28 (stateless) against 2025-11-25 (session), same bridge',
    ['2026-07-28', '2025-11-25', 'ratio'],
    rows,
  );
}

/** Working tree against the --baseline build, mode by mode: calls/s at each connection count and new-session p50. */
export function baselineTable(results: TargetResult[], connections: number[]): string | undefined {
  const rows: Row[] = [];
  for (const mode of ['sidecar-shared', 'sidecar-per-session'] as const) {
    const now = results.find((t) => t.id === mode);
    const base = results.find((t) => t.id === `${mode}@base`);
    if (!now || !base) continue;
    for (const c of connections) {
      const [a, b] = [runAt(now, c), runAt(base, c)];
      if (!a || !b) continue;
      rows.push({
        label: `${now.label}, calls/s at ${c}`,
        cells: [int(a.callsPerSecond), int(b.callsPerSecond), ratio(a.callsPerSecond, b.callsPerSecond)],
      });
      rows.push({
        label: `${now.label}, p50 ms at ${c}`,
        cells: [fixed(a.p50Ms, 2), fixed(b.p50Ms, 2), ratio(a.p50Ms, b.p50Ms)],
      });
    }
    const [n, o] = [now.newSessionPaced ?? now.newSession, base.newSessionPaced ?? base.newSession];
    if (n && o)
      rows.push({
        label: `${now.label}, new session p50 ms`,
        cells: [fixed(n.p50Ms, 2), fixed(o.p50Ms, 2), ratio(n.p50Ms, o.p50Ms)],
      });
  }
  if (rows.length === 0) return undefined;
  const label = results.find((t) => t.id.endsWith('@base'))?.label.split('@')[1] ?? 'base';
  return render(
    `Working tree against the baseline build @${label} (same run, interleaved rounds)`,
    ['now', 'base', 'now ÷ base'],
    rows,
  );
}

/**
 * The median of the per-round ratios of two targets' calls/s: both run in every round, one after the other at each
 * connection count (run.ts), so a slow spell of the machine (this VM has them, up to 2×) mostly hits both sides of a
 * round's ratio, where it can move either target's median round. Undefined unless both have every round.
 */
export function pairedRatio(a: ThroughputResult, b: ThroughputResult): number | undefined {
  const [x, y] = [a.roundsCallsPerSecond ?? [], b.roundsCallsPerSecond ?? []];
  if (x.length === 0 || x.length !== y.length) return undefined;
  const ratios = x.map((value, round) => value / y[round]!).sort((m, n) => m - n);
  return ratios[Math.floor((ratios.length - 1) / 2)];
}

/**
 * Each feature row and the row it is read against: the bridge's features against the plain shared bridge, and Node's
 * own TLS and the OpenTelemetry SDK's tracing (in a server doing nothing else) against the bare ceiling, so each
 * feature's two costs sit side by side.
 */
const FEATURE_PAIRS = [
  ['sidecar-tls', 'sidecar-shared'],
  ['sidecar-traced', 'sidecar-shared'],
  ['bare-tls', 'bare'],
  ['bare-traced', 'bare'],
] as const;

/**
 * The cost of a feature, read against the same target without it in the same run: calls/s (the ratio of the median
 * rounds, and the median of the rounds' ratios) and CPU per call, with the CPU the feature adds to a call.
 */
export function featureTable(results: TargetResult[], connections: number[]): string | undefined {
  const rows: Row[] = [];
  for (const [id, plainId] of FEATURE_PAIRS) {
    const t = results.find((r) => r.id === id);
    const plain = results.find((r) => r.id === plainId);
    if (!plain || !t) continue;
    for (const c of connections) {
      const [a, b] = [runAt(t, c), runAt(plain, c)];
      if (!a || !b) continue;
      rows.push({
        label: `${t.label}, ${c} conn`,
        cells: [int(a.callsPerSecond), int(b.callsPerSecond), ratio(a.callsPerSecond, b.callsPerSecond)].concat([
          ratio(pairedRatio(a, b), 1),
          fixed(a.cpuMsPerCall, 3),
          fixed(b.cpuMsPerCall, 3),
          fixed((a.cpuMsPerCall - b.cpuMsPerCall) * 1000, 1),
        ]),
      });
    }
  }
  if (rows.length === 0) return undefined;
  return render(
    'Feature cost against the same target without it (mcp-sidecar shared; bare node:http for the bare rows), ' +
      'same run, interleaved rounds',
    ['calls/s', 'plain calls/s', '÷ plain', '÷ plain, paired', 'CPU ms/call', 'plain CPU ms/call', '+CPU µs/call'],
    rows,
  );
}
