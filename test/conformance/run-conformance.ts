// Runs an installed `@modelcontextprotocol/conformance` CLI against a server URL and collects its verdict: 0.1.16
// (the 2025-11-25 suite), or 0.2.0-alpha installed under the alias `conformance-next` (`--requirements 2026-07-28`).
// The per-scenario verdict comes from the checks.json files the CLI writes; its printed summary is the fallback.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** A package's `conformance` bin, read from its package.json: both versions install a bin of that name. */
function cliOf(packageDir: string): string {
  const dir = path.join(REPO_ROOT, 'node_modules', packageDir);
  const manifest = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { bin: Record<string, string> };
  return path.join(dir, manifest.bin['conformance']!);
}

/** The 0.1.16 CLI's entry script. */
export const CONFORMANCE_CLI = cliOf('@modelcontextprotocol/conformance');
/** The 0.2.0-alpha CLI's entry script (devDependency alias `conformance-next`). */
export const CONFORMANCE_NEXT_CLI = cliOf('conformance-next');

export interface RunConformanceOptions {
  /** Streamable HTTP endpoint, e.g. `http://127.0.0.1:3000/mcp`. Use a loopback host for `dns-rebinding-protection`. */
  url: string;
  /** Baseline YAML (`server: [scenario, …]`). The CLI exits 1 on a failure not listed and on a listed scenario that passes. */
  expectedFailures: string;
  /**
   * The CLI writes `<outputDir>/server-<scenario>-<timestamp>/checks.json` per scenario. Results already there are
   * ignored, but two runs sharing the directory at the same time would see each other's: give each its own.
   */
  outputDir: string;
  /** `active` (the CLI's default: 30 scenarios), `all` (32) or `pending` (2). Ignored when `scenario` is set. */
  suite?: 'active' | 'all' | 'pending';
  /** Run one scenario only. */
  scenario?: string;
  /** Keep only the scenarios of this spec version, e.g. `2025-11-25`. */
  specVersion?: string;
  /** Ask the CLI for JSON check output. */
  verbose?: boolean;
  /** Run the scenarios a revision requires at its wire (0.2.0-alpha: `2026-07-28`); excludes suite and scenario. */
  requirements?: string;
  /** Which CLI: CONFORMANCE_CLI (default) or CONFORMANCE_NEXT_CLI. */
  cli?: string;
  /** Receives the CLI's output as it arrives; by default it is copied to this process's stdout and stderr. */
  onOutput?: (chunk: string, stream: 'stdout' | 'stderr') => void;
  /** Kill the CLI after this long; 10 minutes by default. */
  timeoutMs?: number;
}

export type CheckStatus = 'SUCCESS' | 'FAILURE' | 'WARNING' | 'INFO' | 'SKIPPED';

export interface ConformanceCheck {
  id: string;
  name: string;
  description: string;
  status: CheckStatus;
  errorMessage?: string;
  details?: unknown;
}

export interface ScenarioResult {
  scenario: string;
  /** False when any check is FAILURE or WARNING: the rule the CLI applies to its baseline. */
  passed: boolean;
  checks: ConformanceCheck[];
  /** The checks.json it came from; absent when only the CLI's printed summary was available. */
  checksFile?: string;
}

export interface ConformanceRunResult {
  /** The CLI's exit code: 0 when every scenario passed, or failed exactly as the baseline says. */
  exitCode: number;
  passed: string[];
  failed: string[];
  scenarios: ScenarioResult[];
  /** Everything the CLI printed, stdout and stderr interleaved as they arrived. */
  output: string;
}

const DEFAULT_TIMEOUT_MS = 10 * 60_000;

/** The result directory the CLI names after the scenario and the ISO start time with `:` and `.` replaced. */
const RESULT_DIR = /^server-(.+)-(\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-\d{3}Z)$/;

// eslint-disable-next-line no-control-regex -- the CLI colours some of its output with ANSI escapes
const ANSI = /\u001b\[[0-9;]*m/g;
/** The CLI's summary line for one scenario, e.g. `✗ ping: 0 passed, 1 failed` (it does not count warnings). */
const SUMMARY_LINE = /^([✓✗]) (\S+): \d+ passed, \d+ failed$/;

function cliArguments(options: RunConformanceOptions): string[] {
  const args = ['server', '--url', options.url, '--expected-failures', options.expectedFailures];
  args.push('--output-dir', options.outputDir);
  if (options.requirements) args.push('--requirements', options.requirements);
  else if (options.scenario) args.push('--scenario', options.scenario);
  else if (options.suite) args.push('--suite', options.suite);
  if (options.specVersion) args.push('--spec-version', options.specVersion);
  if (options.verbose) args.push('--verbose');
  return args;
}

function defaultSink(chunk: string, stream: 'stdout' | 'stderr'): void {
  (stream === 'stdout' ? process.stdout : process.stderr).write(chunk);
}

/** Spawns the CLI with this Node (≥ 22, which the CLI needs) rather than whichever `node` is first on PATH. */
function runCli(options: RunConformanceOptions): Promise<{ exitCode: number; output: string }> {
  const sink = options.onOutput ?? defaultSink;
  const child = spawn(process.execPath, [options.cli ?? CONFORMANCE_CLI, ...cliArguments(options)], {
    cwd: REPO_ROOT,
    env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (stream: 'stdout' | 'stderr') => (chunk: string) => {
    output += chunk;
    sink(chunk, stream);
  };
  // Decoding on the stream keeps a multi-byte character (the CLI prints ✓ and ✗) whole across chunks.
  child.stdout.setEncoding('utf8').on('data', collect('stdout'));
  child.stderr.setEncoding('utf8').on('data', collect('stderr'));
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  return new Promise((resolve, reject) => {
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (signal) output += `\n[run-conformance] the conformance CLI was killed by ${signal}\n`;
      resolve({ exitCode: code ?? 1, output });
    });
  });
}

async function listResultDirs(outputDir: string): Promise<Set<string>> {
  const entries = await readdir(outputDir, { withFileTypes: true });
  return new Set(entries.filter((entry) => entry.isDirectory() && RESULT_DIR.test(entry.name)).map((e) => e.name));
}

function isFailing(checks: ConformanceCheck[]): boolean {
  return checks.some((check) => check.status === 'FAILURE' || check.status === 'WARNING');
}

/** Reads the checks.json of each result directory this run created; directories of earlier runs are skipped. */
async function readNewResults(outputDir: string, before: Set<string>): Promise<ScenarioResult[]> {
  const created = [...(await listResultDirs(outputDir))]
    .filter((name) => !before.has(name))
    .map((name) => ({ name, match: RESULT_DIR.exec(name)! }))
    .sort((a, b) => a.match[2]!.localeCompare(b.match[2]!));
  const results: ScenarioResult[] = [];
  for (const { name, match } of created) {
    const checksFile = path.join(outputDir, name, 'checks.json');
    // The CLI creates the directory before running the scenario and writes nothing there if the run throws.
    if (!existsSync(checksFile)) continue;
    const checks = JSON.parse(await readFile(checksFile, 'utf8')) as ConformanceCheck[];
    const scenario = match[1]!;
    results.push({ scenario, passed: !isFailing(checks), checks, checksFile });
  }
  return results;
}

/** The CLI's printed summary, for scenarios that left no checks.json (it could not run them at all). */
function parseSummary(output: string): ScenarioResult[] {
  const results: ScenarioResult[] = [];
  for (const line of output.replace(ANSI, '').split(/\r?\n/)) {
    const match = SUMMARY_LINE.exec(line.trim());
    if (match) results.push({ scenario: match[2]!, passed: match[1] === '✓', checks: [] });
  }
  return results;
}

/** The server scenarios a revision's requirements score (`conformance list --requirements <revision>`). */
export async function requiredServerScenarios(cli: string, requirements: string): Promise<string[]> {
  const { exitCode, output } = await new Promise<{ exitCode: number; output: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [cli, 'list', '--requirements', requirements], {
      cwd: REPO_ROOT,
      env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let text = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
    child.once('error', reject);
    child.once('close', (code) => resolve({ exitCode: code ?? 1, output: text }));
  });
  if (exitCode !== 0) throw new Error(`conformance list --requirements ${requirements} exited with ${exitCode}`);
  const section =
    output
      .replace(ANSI, '')
      .split('Server scenarios')[1]
      ?.split(/\n\s*\n/)[0] ?? '';
  return [...section.matchAll(/^ {2}- (\S+)$/gm)].map((match) => match[1]!);
}

/** Runs the conformance suite (or one scenario) and resolves once the CLI has exited. */
export async function runConformance(options: RunConformanceOptions): Promise<ConformanceRunResult> {
  const major = Number(process.versions.node.split('.')[0]);
  if (major < 22) throw new Error(`The conformance CLI needs Node >= 22; this is Node ${process.versions.node}`);
  const resolved = {
    ...options,
    expectedFailures: path.resolve(options.expectedFailures),
    outputDir: path.resolve(options.outputDir),
  };
  await mkdir(resolved.outputDir, { recursive: true });
  const before = await listResultDirs(resolved.outputDir);
  const { exitCode, output } = await runCli(resolved);
  const fromFiles = await readNewResults(resolved.outputDir, before);
  const seen = new Set(fromFiles.map((result) => result.scenario));
  const scenarios = [...fromFiles, ...parseSummary(output).filter((result) => !seen.has(result.scenario))];
  return {
    exitCode,
    passed: scenarios.filter((result) => result.passed).map((result) => result.scenario),
    failed: scenarios.filter((result) => !result.passed).map((result) => result.scenario),
    scenarios,
    output,
  };
}
