// Starting, probing and stopping one target. A target that cannot start or never gets ready is reported as
// "not available" with the reason (and the tail of its log) instead of producing numbers.
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { McpHttpClient, httpStatus } from './mcp-client.ts';
import { spawnGroup, stopGroup } from './proc-group.ts';
import type { Group } from './proc-group.ts';
import type { BenchExtras } from './extras.ts';
import { BENCH_DIR, REPO_ROOT, freePort } from './targets.ts';
import type { TargetDef } from './targets.ts';

export const READY_TIMEOUT_MS = 30_000;

export class NotAvailable extends Error {
  override name = 'NotAvailable';
}

export type RunContext = { marker: string; logDir: string; maxSessions: number; extras: BenchExtras };

export type RunningTarget = {
  def: TargetDef;
  group: Group;
  url: string;
  /** Our bridge's admin endpoints (/readyz, /status); undefined for the others. */
  adminUrl?: string;
  logPath: string;
  client: McpHttpClient;
  /** How long from spawn until ready (readyz 200 or first successful initialize). */
  startupMs: number;
};

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export function logTail(path: string, lines = 6): string {
  if (!existsSync(path)) return '';
  const text = readFileSync(path, 'utf8').trim();
  return text.split('\n').slice(-lines).join('\n');
}

function childEnv(marker: string): NodeJS.ProcessEnv {
  // node_modules/.bin first so a bare `node` anywhere in a target resolves to the Node 24 we run on; the marker
  // lets the stray sweep find anything a target leaves behind.
  const path = [join(REPO_ROOT, 'node_modules', '.bin'), process.env['PATH'] ?? ''].join(delimiter);
  return { ...process.env, PATH: path, MCP_BENCH_RUN: marker };
}

export async function startTarget(def: TargetDef, run: RunContext): Promise<RunningTarget> {
  const missing = def.missing();
  if (missing) throw new NotAvailable(missing);
  const [port, adminPort] = [await freePort(), await freePort()];
  const echo = [process.execPath, join(BENCH_DIR, 'echo-server.ts'), '--bench-run', run.marker];
  const { tls, otlpEndpoint } = run.extras;
  const { command, args, env } = def.launch({ port, adminPort, echo, maxSessions: run.maxSessions, tls, otlpEndpoint });
  const logPath = join(run.logDir, `${def.id}.log`);
  const logFd = openSync(logPath, 'w');
  const started = performance.now();
  const group = spawnGroup(def.id, command, args, {
    env: { ...childEnv(run.marker), ...env },
    stdio: ['pipe', logFd, logFd],
  });
  closeSync(logFd); // the child has its own copy
  const url = `${def.scheme ?? 'http'}://127.0.0.1:${port}/mcp`;
  const adminUrl = def.readiness === 'readyz' ? `http://127.0.0.1:${adminPort}` : undefined;
  const target: RunningTarget = { def, group, url, adminUrl, logPath, client: new McpHttpClient(url), startupMs: 0 };
  try {
    await waitReady(target, `http://127.0.0.1:${adminPort}/readyz`);
  } catch (error) {
    await stopTarget(target);
    throw error;
  }
  target.startupMs = performance.now() - started;
  return target;
}

async function probe(target: RunningTarget, readyzUrl: string): Promise<boolean> {
  if (target.def.readiness === 'readyz') return (await httpStatus(readyzUrl)) === 200;
  try {
    const { sessionId } = await target.client.initialize();
    // The probe session is not the one we measure; end it so per-session peers release its child.
    await target.client.deleteSession(sessionId).catch(() => undefined);
    return true;
  } catch {
    return false;
  }
}

async function waitReady(target: RunningTarget, readyzUrl: string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (target.group.hasExited()) {
      const code = await target.group.exited;
      throw new NotAvailable(`exited with code ${code} before becoming ready\n${logTail(target.logPath)}`);
    }
    if (await probe(target, readyzUrl)) return;
    await sleep(100);
  }
  const what = target.def.readiness === 'readyz' ? 'GET /readyz never answered 200' : 'initialize never succeeded';
  throw new NotAvailable(`not ready after ${READY_TIMEOUT_MS / 1000} s (${what})\n${logTail(target.logPath)}`);
}

export async function stopTarget(target: RunningTarget): Promise<void> {
  await target.client.close().catch(() => undefined);
  await stopGroup(target.group);
}
