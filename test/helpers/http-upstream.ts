// Starts the conformance fixture over Streamable HTTP (test/fixtures/conformance-http-server.ts) as a real process
// on a free loopback port, for tests of the bridge's HTTP upstream.

import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

import { NODE, REPO_ROOT, waitFor } from './bridge-process.ts';

export const CONFORMANCE_HTTP_SERVER = fileURLToPath(
  new URL('../fixtures/conformance-http-server.ts', import.meta.url),
);

export interface HttpUpstream {
  /** The server's MCP endpoint, e.g. http://127.0.0.1:40123/mcp */
  readonly url: string;
  readonly child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

export async function startHttpUpstream(port = 0): Promise<HttpUpstream> {
  const child = spawn(NODE, ['--conditions=mcp-sidecar-source', CONFORMANCE_HTTP_SERVER, String(port)], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const url = await waitFor(
    () => /listening on (\S+)/.exec(output)?.[1],
    20_000,
    () => `the HTTP fixture did not start:\n${output}`,
  );
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    await once(child, 'exit');
  };
  return { url, child, output: () => output, stop };
}
