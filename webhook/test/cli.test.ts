// `mcp-injector` spawned as a real process: offline inject on files and stdin, exit codes, --help, and `serve`
// configured through MCP_INJECTOR_* variables, stopped with SIGTERM. Behaviour runs src/main.ts (what the launcher
// imports when there is no build), so a stale dist/ from an earlier `npm run build` cannot stand in for the sources;
// the launcher itself gets its own test.

import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';

import { send } from './helpers/https.ts';

const BIN = fileURLToPath(new URL('../bin/mcp-injector.js', import.meta.url));
const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const ENTRY = ['--conditions=mcp-sidecar-source', MAIN];
const testdata = (file: string) => fileURLToPath(new URL(`./testdata/inject/${file}`, import.meta.url));
const parse = (text: string) => parseAllDocuments(text, { version: '1.1' }).map((doc) => doc.toJS() as unknown);

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function run(args: readonly string[], stdin?: string, env: Record<string, string> = {}, entry = ENTRY): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...entry, ...args], { env: { ...process.env, ...env }, stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

describe('mcp-injector inject', () => {
  it('injects a Deployment from -f <file>', async () => {
    const result = await run(['inject', '-f', testdata('deployment.yaml')]);
    expect(result.code).toBe(0);
    expect(parse(result.stdout)).toEqual(parse(readFileSync(testdata('deployment.injected.yaml'), 'utf8')));
    expect(result.stderr).toBe('mcp-injector: Deployment/github-tools: injected (injected)\n');
  });

  it('injects a multi-document stream from stdin (-f -)', async () => {
    const result = await run(['inject', '-f', '-'], readFileSync(testdata('multi-doc.yaml'), 'utf8'));
    expect(result.code).toBe(0);
    expect(parse(result.stdout)).toEqual(parse(readFileSync(testdata('multi-doc.injected.yaml'), 'utf8')));
    expect(result.stderr.split('\n')).toEqual([
      'mcp-injector: Deployment/fetch: injected (injected)',
      'mcp-injector: Deployment/fetch: warning: container "fetch" declares no runAsUser (nor does the pod): if its image ' +
        'runs as a non-root user, the shim cannot hand its socket to mcp-sidecar (uid 65532); set securityContext.runAsUser on "fetch"',
      'mcp-injector: Pod/debug-shell: skipped (annotation_absent)',
      'mcp-injector: Pod/opted-out: skipped (injection_disabled)',
      '',
    ]);
  });

  it('writes nothing to stdout and exits 1 when a document is refused', async () => {
    const result = await run(['inject', '-f', testdata('job.yaml'), '--sidecar-mode', 'classic']);
    expect(result).toMatchObject({ code: 1, stdout: '' });
    expect(result.stderr).toMatch(
      /^mcp-injector: refused: Job\/nightly-report: the pod belongs to a Job and would never complete/m,
    );
  });

  it('exits 2 with one line for bad flags and unreadable input', async () => {
    const bad = await run(['inject', '--sidecar-mode', 'sideways']);
    expect(bad).toMatchObject({ code: 2, stdout: '' });
    expect(bad.stderr).toBe(
      'mcp-injector: invalid --sidecar-mode "sideways": expected one of native, classic (see mcp-injector --help)\n',
    );
    const missing = await run(['inject', '-f', '/nonexistent/pod.yaml']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^mcp-injector: cannot read \/nonexistent\/pod.yaml: ENOENT/);
  });

  it('prints help', async () => {
    const result = await run(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^usage: mcp-injector serve/);
  });
});

describe('bin/mcp-injector.js', () => {
  it('starts the program (the build when there is one, else the sources) and injects', async () => {
    expect(await run(['--version'], undefined, {}, [BIN])).toMatchObject({ code: 0, stdout: '0.1.0\n' });
    const result = await run(['inject', '-f', testdata('pod-generate-name.yaml')], undefined, {}, [BIN]);
    expect(result.code).toBe(0);
    expect(parse(result.stdout)).toEqual(parse(readFileSync(testdata('pod-generate-name.injected.yaml'), 'utf8')));
  });
});

describe('mcp-injector serve', () => {
  it('runs from MCP_INJECTOR_* variables, answers, and exits 0 on SIGTERM', async () => {
    const env = {
      MCP_INJECTOR_SELF_SIGNED: 'true',
      MCP_INJECTOR_PORT: '0',
      MCP_INJECTOR_ADMIN_PORT: '0',
      MCP_INJECTOR_HOST: '127.0.0.1',
    };
    const child = spawn(process.execPath, [...ENTRY, 'serve'], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    const adminUrl = await new Promise<string>((resolve, reject) => {
      let buffer = '';
      child.stdout.on('data', (chunk: Buffer) => {
        buffer += chunk.toString();
        const match = /"adminUrl":"([^"]+)"/.exec(buffer);
        if (match?.[1]) resolve(match[1]);
      });
      child.on('close', () => reject(new Error(`serve exited early: ${buffer}`)));
    });
    expect((await send(`${adminUrl}/readyz`, undefined)).status).toBe(200);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
