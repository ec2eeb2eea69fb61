// Webhook latency at a fixed rate: `npm run bench:webhook [-- --rate 1000 --duration 10s --connections 8]`.
//
// Starts the real `mcp-injector serve` binary in its own process (TLS from files signed by a throwaway CA, info
// logging as in production), then drives POST /mutate with a realistic Deployment pod AdmissionReview from this
// process, open loop: requests are sent on a fixed schedule whether or not earlier ones have answered (wrk2-style),
// and latency is measured from the scheduled send time, so a stall is not hidden by the driver waiting it out
// (coordinated omission). Latency from the actual send time is reported too, and the same load is then run
// against a bare node:https control that sends the injector's recorded answer. Not part of `npm test`.

import { spawn } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { parseDuration } from '@mcp-sidecar/contract';
import { Pool } from 'undici';

import { generateCa, issueServingCert } from '../src/tls/certs.ts';

// The sources directly (bin/mcp-injector.js would also pick them in a checkout, but this makes it explicit).
const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));

interface Settings {
  readonly rate: number;
  readonly durationMs: number;
  readonly warmupMs: number;
  readonly connections: number;
}

function settings(): Settings {
  const { values } = parseArgs({
    options: {
      rate: { type: 'string', default: '1000' },
      duration: { type: 'string', default: '10s' },
      warmup: { type: 'string', default: '3s' },
      connections: { type: 'string', default: '8' },
    },
  });
  const ms = (raw: string) => {
    const parsed = parseDuration(raw);
    if (!parsed.ok) throw new Error(`bad duration ${raw}: ${parsed.error}`);
    return parsed.value;
  };
  return {
    rate: Number(values.rate),
    durationMs: ms(values.duration),
    warmupMs: ms(values.warmup),
    connections: Number(values.connections),
  };
}

interface Server {
  readonly webhookUrl: string;
  readonly adminUrl: string;
  readonly ca: string;
  readonly certDir: string;
  stop(): Promise<void>;
}

/** The control: a bare node:https server with the same certificate and the injector's answer (bare-https-server.ts). */
async function startBare(certDir: string, answer: string): Promise<{ url: string; stop(): void }> {
  const script = fileURLToPath(new URL('./bare-https-server.ts', import.meta.url));
  const answerFile = join(certDir, 'answer.json');
  writeFileSync(answerFile, answer);
  const child = spawn(process.execPath, [script, join(certDir, 'tls.crt'), join(certDir, 'tls.key'), answerFile], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<string>((resolve) =>
    child.stdout.once('data', (chunk: Buffer) => resolve(chunk.toString().trim())),
  );
  return { url: `https://127.0.0.1:${port}`, stop: () => child.kill('SIGTERM') };
}

async function startServer(): Promise<Server> {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-injector-bench-'));
  const ca = await generateCa('bench CA');
  const serving = await issueServingCert(ca, { dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
  writeFileSync(join(dir, 'tls.crt'), serving.cert);
  writeFileSync(join(dir, 'tls.key'), serving.key);
  const args = [
    '--conditions=mcp-sidecar-source',
    MAIN,
    'serve',
    '--tls-cert',
    join(dir, 'tls.crt'),
    '--tls-key',
    join(dir, 'tls.key'),
    '--host',
    '127.0.0.1',
    '--port',
    '0',
    '--admin-port',
    '0',
  ];
  // Logs go to a file, as a container runtime takes them (a pipe drained late by this busy process would hold up
  // the server's writes), in a directory of its own so it does not wake the certificate watcher.
  const logFile = join(mkdtempSync(join(tmpdir(), 'mcp-injector-bench-log-')), 'injector.log');
  const child = spawn(process.execPath, args, { stdio: ['ignore', openSync(logFile, 'w'), 'inherit'] });
  const exited = new Promise((resolve) => child.on('close', resolve));
  let urls: RegExpExecArray | null = null;
  for (let waited = 0; !urls?.[2]; waited += 50) {
    if (waited > 15_000 || child.exitCode !== null)
      throw new Error(`mcp-injector did not start:\n${readFileSync(logFile, 'utf8')}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    urls = /"webhookUrl":"([^"]+)","adminUrl":"([^"]+)"/.exec(readFileSync(logFile, 'utf8'));
  }
  const stop = async () => {
    child.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
    rmSync(dirname(logFile), { recursive: true, force: true });
  };
  return { webhookUrl: urls[1] ?? '', adminUrl: urls[2], ca: ca.cert, certDir: dir, stop };
}

const JSON_TYPE = { 'content-type': 'application/json' };

interface Sample {
  readonly scheduledMs: number;
  readonly serviceMs: number;
  readonly ok: boolean;
}

/** Sends `rate` requests per second for `durationMs`, each at its scheduled time, without waiting for answers. */
async function openLoop(
  pool: Pool,
  body: string,
  rate: number,
  durationMs: number,
): Promise<{ samples: Sample[]; elapsedMs: number }> {
  const total = Math.round((rate * durationMs) / 1000);
  const samples: Sample[] = [];
  const inflight: Promise<void>[] = [];
  const start = performance.now();
  let sent = 0;
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - start) * rate) / 1000) + 1);
    for (; sent < due; sent += 1) {
      const scheduled = start + (sent * 1000) / rate;
      inflight.push(one(pool, body, scheduled).then((sample) => void samples.push(sample)));
    }
    const next = start + (sent * 1000) / rate;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, next - performance.now())));
  }
  await Promise.all(inflight);
  return { samples, elapsedMs: performance.now() - start };
}

async function one(pool: Pool, body: string, scheduled: number): Promise<Sample> {
  const sentAt = performance.now();
  try {
    const response = await pool.request({
      path: '/mutate',
      method: 'POST',
      headers: JSON_TYPE,
      body,
    });
    const text = await response.body.text();
    const ok = response.statusCode === 200 && text.includes('"patchType":"JSONPatch"');
    const end = performance.now();
    return { scheduledMs: end - scheduled, serviceMs: end - sentAt, ok };
  } catch {
    return { scheduledMs: performance.now() - scheduled, serviceMs: performance.now() - sentAt, ok: false };
  }
}

const percentile = (sorted: readonly number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;

function row(label: string, values: number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  const cells = [50, 90, 99, 99.9].map((p) => percentile(sorted, p)).concat(sorted[sorted.length - 1] ?? Number.NaN);
  return `| ${label} | ${cells.map((v) => v.toFixed(2)).join(' | ')} |`;
}

/** The server's own view, from its /metrics: CPU time, event-loop lag, GC pauses and handler durations. */
interface ServerView {
  readonly cpuSeconds: number;
  readonly gcSeconds: number;
  readonly lagMaxMs: number;
  /** Handler duration histogram of injected reviews: upper bound (seconds) → cumulative count. */
  readonly buckets: ReadonlyMap<number, number>;
}

async function serverView(adminUrl: string): Promise<ServerView> {
  const text = await (await fetch(`${adminUrl}/metrics`)).text();
  const value = (pattern: RegExp) => Number(pattern.exec(text)?.[1] ?? Number.NaN);
  const gc = [...text.matchAll(/^mcp_injector_nodejs_gc_duration_seconds_sum\{[^}]*\} (\S+)$/gm)];
  const bucketLines = text.matchAll(
    /^mcp_injector_review_duration_seconds_bucket\{le="([^"]+)",outcome="injected"\} (\S+)$/gm,
  );
  return {
    cpuSeconds: value(/^mcp_injector_process_cpu_seconds_total (\S+)$/m),
    gcSeconds: gc.reduce((sum, m) => sum + Number(m[1]), 0),
    lagMaxMs: value(/^mcp_injector_nodejs_eventloop_lag_max_seconds (\S+)$/m) * 1000,
    buckets: new Map([...bucketLines].map((m) => [m[1] === '+Inf' ? Infinity : Number(m[1]), Number(m[2])])),
  };
}

/** The smallest histogram bound under which `p` % of this run's reviews finished (the run = after − before). */
function bucketPercentile(before: ServerView, after: ServerView, p: number): string {
  const count = (le: number) => (after.buckets.get(le) ?? 0) - (before.buckets.get(le) ?? 0);
  const bound = [...after.buckets.keys()].sort((a, b) => a - b).find((le) => count(le) >= (p / 100) * count(Infinity));
  return bound === undefined || bound === Infinity ? '> 1000' : `<= ${bound * 1000}`;
}

interface Run {
  readonly samples: readonly Sample[];
  readonly elapsedMs: number;
  readonly before: ServerView;
  readonly after: ServerView;
}

function report(config: Settings, run: Run, bodyBytes: number, control: readonly Sample[]): void {
  const { samples, before, after } = run;
  const errors = samples.filter((s) => !s.ok).length;
  const cpuMs = ((after.cpuSeconds - before.cpuSeconds) * 1000) / samples.length;
  const lines = [
    `mcp-injector POST /mutate: ${config.rate} reviews/s for ${config.durationMs / 1000} s after ${config.warmupMs / 1000} s ` +
      `warm-up; open loop over ${config.connections} keep-alive HTTPS connections; request ${(bodyBytes / 1024).toFixed(1)} KiB`,
    `node ${process.version}, ${cpus().length} CPUs, load average ${loadavg()
      .map((n) => n.toFixed(2))
      .join(' ')}`,
    '',
    '| latency (ms) | p50 | p90 | p99 | p99.9 | max |',
    '| --- | --- | --- | --- | --- | --- |',
    row(
      'from scheduled send',
      samples.map((s) => s.scheduledMs),
    ),
    row(
      'from actual send',
      samples.map((s) => s.serviceMs),
    ),
    row(
      'control: bare node:https, from actual send',
      control.map((s) => s.serviceMs),
    ),
    '',
    `achieved rate: ${((samples.length * 1000) / run.elapsedMs).toFixed(1)} reviews/s (${samples.length} reviews), errors: ${errors}`,
    `server: CPU ${cpuMs.toFixed(3)} ms per review; handler p50 ${bucketPercentile(before, after, 50)} ms, ` +
      `p99 ${bucketPercentile(before, after, 99)} ms (its histogram); GC ${((after.gcSeconds - before.gcSeconds) * 1000).toFixed(0)} ms ` +
      `in total; event-loop lag max ${after.lagMaxMs.toFixed(1)} ms`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

async function main(): Promise<void> {
  const config = settings();
  const server = await startServer();
  // A review exactly as the API server sends it for a Deployment's pod: defaults, managedFields, service account volume.
  const body = JSON.stringify(
    JSON.parse(readFileSync(new URL('./deployment-pod-review.json', import.meta.url), 'utf8')),
  );
  const pool = poolFor(server.webhookUrl, server.ca, config);
  try {
    await openLoop(pool, body, config.rate, config.warmupMs);
    const before = await serverView(server.adminUrl);
    const { samples, elapsedMs } = await openLoop(pool, body, config.rate, config.durationMs);
    const after = await serverView(server.adminUrl);
    const control = await measureControl(server, body, config);
    report(config, { samples, elapsedMs, before, after }, body.length, control);
  } finally {
    await pool.close();
    await server.stop();
  }
}

function poolFor(url: string, ca: string, config: Settings): Pool {
  const connect = { ca, servername: 'localhost' };
  return new Pool(new URL(url).origin, { connections: config.connections, pipelining: 1, connect });
}

/** The same open loop against the bare control server, right after the injector's run. */
async function measureControl(server: Server, body: string, config: Settings): Promise<readonly Sample[]> {
  const injector = poolFor(server.webhookUrl, server.ca, config);
  const recorded = await injector.request({ path: '/mutate', method: 'POST', headers: JSON_TYPE, body });
  const answer = await recorded.body.text();
  await injector.close();
  const bare = await startBare(server.certDir, answer);
  const pool = poolFor(bare.url, server.ca, config);
  try {
    await openLoop(pool, body, config.rate, config.warmupMs);
    return (await openLoop(pool, body, config.rate, config.durationMs)).samples;
  } finally {
    await pool.close();
    bare.stop();
  }
}

await main();
