// MCP smoke check against a running bridge: waits for /readyz, then connects the official SDK client (Streamable
// HTTP), lists the tools, calls one and checks its text. Prints one JSON line; exits 1 on any failure.
//
//   node test/e2e/podman/mcp-smoke.ts --url http://127.0.0.1:18080/mcp --admin http://127.0.0.1:18081 \
//     --call '{"name":"echo","arguments":{"message":"hi"}}' --expect hi [--timeout 300]
// Also used by test/e2e/kind (import { smoke }).

import { parseArgs } from 'node:util';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

export interface SmokeOptions {
  readonly url: string;
  readonly admin: string;
  readonly call: { readonly name: string; readonly arguments?: Record<string, unknown> };
  readonly expect: string;
  readonly timeoutMs: number;
}

export interface SmokeResult {
  readonly readyAfterMs: number;
  readonly notReadyAnswers: number;
  readonly server: string;
  readonly tools: readonly string[];
  readonly call: string;
  readonly text: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `<admin>/readyz` until it answers 200; counts the 503s seen on the way (readiness gating at work). */
export async function waitForReady(admin: string, timeoutMs: number): Promise<{ ms: number; notReady: number }> {
  const started = Date.now();
  let notReady = 0;
  let last = 'no answer';
  while (Date.now() - started < timeoutMs) {
    try {
      const response = await fetch(`${admin}/readyz`, { signal: AbortSignal.timeout(2_000) });
      last = `${response.status} ${await response.text()}`;
      if (response.status === 200) return { ms: Date.now() - started, notReady };
      notReady += 1;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await sleep(500);
  }
  throw new Error(`${admin}/readyz not 200 after ${timeoutMs} ms (last: ${last.trim()})`);
}

export async function smoke(options: SmokeOptions): Promise<SmokeResult> {
  const ready = await waitForReady(options.admin, options.timeoutMs);
  const client = new Client({ name: 'mcp-sidecar-smoke', version: '0.1.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(options.url)));
  try {
    const { tools } = await client.listTools();
    const names = tools.map((tool) => tool.name);
    if (!names.includes(options.call.name)) throw new Error(`tool ${options.call.name} not in [${names.join(', ')}]`);
    const result = await client.callTool({ name: options.call.name, arguments: options.call.arguments ?? {} });
    const content = (result.content ?? []) as { type: string; text?: string }[];
    const text = content.map((part) => part.text ?? '').join('\n');
    if (result.isError === true || !text.includes(options.expect)) {
      throw new Error(
        `tools/call ${options.call.name} answered ${JSON.stringify(result)}; expected "${options.expect}"`,
      );
    }
    const info = client.getServerVersion();
    return {
      readyAfterMs: ready.ms,
      notReadyAnswers: ready.notReady,
      server: `${info?.name ?? '?'} ${info?.version ?? '?'}`,
      tools: names,
      call: options.call.name,
      text,
    };
  } finally {
    await client.close();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      url: { type: 'string' },
      admin: { type: 'string' },
      call: { type: 'string', default: '{"name":"echo","arguments":{"message":"hello from mcp-smoke"}}' },
      expect: { type: 'string', default: 'hello from mcp-smoke' },
      timeout: { type: 'string', default: '300' },
    },
  });
  if (!values.url || !values.admin) throw new Error('usage: mcp-smoke.ts --url <mcp url> --admin <admin url>');
  const result = await smoke({
    url: values.url,
    admin: values.admin,
    call: JSON.parse(values.call) as SmokeOptions['call'],
    expect: values.expect,
    timeoutMs: Number(values.timeout) * 1000,
  });
  console.log(
    JSON.stringify({ ok: true, ...result, tools: `${result.tools.length} tools: ${result.tools.join(', ')}` }),
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error: unknown) => {
    console.log(JSON.stringify({ ok: false, error: error instanceof Error ? error.message : String(error) }));
    process.exit(1);
  });
}
