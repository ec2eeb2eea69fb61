// The official Python MCP SDK (`mcp` 2.3, a virtualenv made once: test/helpers/python.ts) on both sides of the bridge:
// - its client, with its default negotiation (auto), speaks 2026-07-28 through mcp-sidecar to server-everything, a
//   2025-era server: tools, resources, prompts, and its sampling and elicitation callbacks answered through MRTR;
// - a stdio server built on its MCPServer speaks 2026-07-28 itself: the bridge detects it at start-up, sends it
//   2026-07-28 requests as they are on a connection of their own, and still gives v1 clients 2025-11-25.

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

import { Client as V2Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import type { Bridge } from '../src/bridge.ts';
import { startInProcess } from '../../test/helpers/bridge-process.ts';
import { modernCall } from '../../test/helpers/modern-http.ts';
import { pythonWithMcp } from '../../test/helpers/python.ts';
import { bridgeStatus, Closer, connectV1, EVERYTHING, textOf } from '../../test/helpers/sdk-clients.ts';

const run = promisify(execFile);
const fixture = (name: string) => new URL(`../../test/fixtures/python/${name}`, import.meta.url).pathname;
/** The first use makes the virtualenv (pip install mcp): a minute or more. */
const VENV_TIMEOUT_MS = 10 * 60_000;

let python: string;
beforeAll(async () => {
  python = await pythonWithMcp();
}, VENV_TIMEOUT_MS);

describe('the Python SDK client → mcp-sidecar → server-everything', () => {
  let bridge: Bridge;
  beforeAll(async () => {
    bridge = await startInProcess({ sessionMode: 'shared' }, EVERYTHING);
  });
  afterAll(() => bridge?.close());

  test('negotiates 2026-07-28 by default; its sampling and elicitation callbacks answer through MRTR', async () => {
    const { stdout } = await run(python, [fixture('modern_client.py'), bridge.url], { timeout: 60_000 });
    const report = JSON.parse(stdout) as Record<string, unknown>;
    expect(report).toMatchObject({
      protocolVersion: '2026-07-28',
      echo: 'Echo: from python',
      resource: { contents: 1 },
    });
    expect(report['tools']).toEqual(expect.arrayContaining(['echo', 'trigger-sampling-request']));
    expect(report['sampling']).toContain('sampled by the python client');
    expect(report['elicitation']).toContain('Grace Hopper (python)');
    expect(report['prompt']).toBeGreaterThan(0);
    const metrics = await (await fetch(`${bridge.adminUrl}/metrics`)).text();
    expect(metrics).toMatch(/^mcp_sidecar_input_rounds_total [2-9]/m);
    expect((await bridgeStatus(bridge.adminUrl)).sessions.open).toBe(0);
  });
});

// Shared mode only: the 2026-07-28 connection is the same in both modes (modern/native-lane.ts), and each Python
// process takes seconds to start on a busy CI machine.
describe('a Python SDK stdio server that speaks 2026-07-28', () => {
  const mode = 'shared';
  let bridge: Bridge;
  const closer = new Closer();
  beforeAll(async () => {
    bridge = await startInProcess({ sessionMode: mode }, [python, fixture('modern_server.py')]);
  });
  afterAll(async () => {
    await closer.closeAll();
    await bridge?.close();
  });

  test('is detected as modern and serves 2026-07-28 clients natively; v1 clients still get 2025-11-25', async () => {
    const status = (await bridgeStatus(bridge.adminUrl)) as unknown as { modern: { upstreamProtocol: string } };
    expect(status.modern.upstreamProtocol).toBe('modern');
    const client = new V2Client(
      { name: 'v2-to-python', version: '2.0.0' },
      { versionNegotiation: { mode: { pin: '2026-07-28' } } },
    );
    await client.connect(new StreamableHTTPClientTransport(new URL(bridge.url)));
    closer.add(client, (c) => c.close());
    expect(client.getServerVersion()).toMatchObject({ name: 'python-modern-server' });
    expect(textOf(await client.callTool({ name: 'whoami', arguments: {} }))).toBe('served on 2026-07-28');
    expect(textOf(await client.callTool({ name: 'add', arguments: { a: 2, b: 3 } }))).toBe('5');
    // The server's own result, untouched: it stamps its serverInfo into every result's _meta (the bridge does not).
    const raw = await modernCall(bridge.url, 'tools/call', { name: 'add', arguments: { a: 1, b: 1 } });
    expect(raw.result?.['_meta']).toEqual({
      'io.modelcontextprotocol/serverInfo': { name: 'python-modern-server', version: '' },
    });

    const v1 = closer.add(await connectV1(bridge.url, `v1-to-python-${mode}`), (session) => session.client.close());
    expect(v1.transport.protocolVersion).toBe('2025-11-25');
    expect(textOf(await v1.client.callTool({ name: 'whoami', arguments: {} }))).toBe('served on 2025-11-25');
    expect(textOf(await v1.client.callTool({ name: 'add', arguments: { a: 20, b: 22 } }))).toBe('42');
  });
});
