// Runs wrk with mcp-call.lua (MCP_WIRE=2026-07-28 for stateless 2026-07-28 calls) and parses the JSON line its done() prints.
import { join } from 'node:path';
import { spawnGroup, stopGroup } from './proc-group.ts';
import { BENCH_DIR } from './targets.ts';

export const WRK = process.env['WRK'] ?? '/usr/bin/wrk';

export type WrkResult = {
  requests: number;
  duration_us: number;
  non2xx: number;
  /** 2xx answers whose body holds no JSON-RPC result. */
  no_result: number;
  errors: { connect: number; read: number; write: number; status: number; timeout: number };
  latency_us: { p50: number; p90: number; p99: number; p999: number; mean: number; max: number };
};

export type WrkOptions = {
  url: string;
  /** Empty string: send no Mcp-Session-Id (the bare ceiling). */
  session: string;
  connections: number;
  durationS: number;
  /** Offset for JSON-RPC ids so runs on one session never reuse an id. */
  idBase: number;
  marker: string;
  /** '2026-07-28': stateless 2026-07-28 calls (mcp-call.lua with MCP_WIRE) instead of calls on a session. */
  wire?: '2026-07-28';
};

/** One wrk thread for a single connection; two (one per core) for anything more, as the brief fixes. */
export function threadsFor(connections: number): number {
  return connections === 1 ? 1 : Math.min(2, connections);
}

export async function runWrk(options: WrkOptions): Promise<WrkResult> {
  const args = [
    ...['-t', String(threadsFor(options.connections)), '-c', String(options.connections)],
    ...['-d', `${options.durationS}s`, '--timeout', '5s', '-s', join(BENCH_DIR, 'mcp-call.lua'), options.url],
  ];
  const env = {
    ...process.env,
    MCP_SESSION_ID: options.session,
    MCP_ID_BASE: String(options.idBase),
    MCP_BENCH_RUN: options.marker,
    MCP_WIRE: options.wire ?? '',
  };
  const group = spawnGroup('wrk', WRK, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  group.child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  group.child.stderr?.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  // wrk ends by itself after the duration; the watchdog only matters if it hangs.
  const watchdog = setTimeout(() => void stopGroup(group, 1000), (options.durationS + 20) * 1000);
  const code = await group.exited;
  clearTimeout(watchdog);
  await stopGroup(group, 0);
  const line = out.split('\n').find((l) => l.startsWith('BENCH_JSON '));
  if (code !== 0 || !line) throw new Error(`wrk failed (exit ${code}):\n${out.trim()}`);
  return JSON.parse(line.slice('BENCH_JSON '.length)) as WrkResult;
}

export function socketErrors(result: WrkResult): number {
  const { connect, read, write, timeout } = result.errors;
  return connect + read + write + timeout;
}
