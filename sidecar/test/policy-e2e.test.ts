// The access policy through the bridge (shared mode, callers told apart by their tokens): two sessions see
// different tool, prompt and resource lists at the same moment from the one cached list; a denied call gets a
// JSON-RPC error naming the tool and why, never reaches the server (the fixture counts calls), and is counted; a
// changed policy file applies without a restart.

import { writeFileSync } from 'node:fs';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { Bridge } from '../src/bridge.ts';
import { SetupError } from '../src/errors.ts';
import { fixtureCommand, startInProcess, waitFor } from '../../test/helpers/bridge-process.ts';
import { initializeRequest, type JsonRpcAnswer, MCP_HEADERS, readAnswer } from '../../test/helpers/mcp-http.ts';
import { makeTempDir } from '../../test/helpers/sdk-clients.ts';

const POLICY = (readerTools: string[]) => `
# readers get a few tools; admins everything
rules:
  - name: readers
    match: { sub: reader }
    allow: { tools: [${readerTools.join(', ')}], prompts: [greet], resources: ["docs://*"] }
  - name: admins
    match: { sub: admin }
    allow: { tools: ["*"], prompts: ["*"], resources: ["*"] }
`;

let dir: { path: string; remove(): Promise<void> };
let bridge: Bridge;
let policyFile: string;

beforeAll(async () => {
  dir = await makeTempDir('policy');
  policyFile = `${dir.path}/policy.yaml`;
  writeFileSync(policyFile, POLICY(['whoami', 'search', 'calls']));
  writeFileSync(`${dir.path}/tokens`, 'reader reader-token-1\nadmin admin-token-1\n');
  const config = {
    auth: 'token',
    authTokenFile: `${dir.path}/tokens`,
    policy: policyFile,
    shutdownGrace: 100,
  } as const;
  bridge = await startInProcess(config, fixtureCommand('meta-echo-server.ts'));
});
afterAll(async () => {
  await bridge.close();
  await dir.remove();
});

let nextId = 1;
async function sessionAs(token: string) {
  const auth = { authorization: `Bearer ${token}` };
  const opened = await fetch(bridge.url, {
    method: 'POST',
    headers: { ...MCP_HEADERS, ...auth },
    body: JSON.stringify(initializeRequest()),
  });
  const headers = { ...MCP_HEADERS, ...auth, 'mcp-session-id': opened.headers.get('mcp-session-id')! };
  await readAnswer(opened);
  const call = async (method: string, params: Record<string, unknown> = {}): Promise<JsonRpcAnswer> =>
    readAnswer(
      await fetch(bridge.url, {
        method: 'POST',
        headers,
        body: JSON.stringify({ jsonrpc: '2.0', id: nextId++, method, params }),
      }),
    );
  return { call, tool: async (name: string) => call('tools/call', { name, arguments: {} }) };
}

const names = (answer: JsonRpcAnswer, field: string, key = 'name') =>
  (answer.result?.[field] as Record<string, string>[]).map((item) => item[key]);
const textOf = (answer: JsonRpcAnswer) => (answer.result?.['content'] as { text: string }[])[0]!.text;

describe('a policy file that cannot be used', () => {
  it('stops the start with a SetupError naming the flag, the file and the problem', async () => {
    const bad = `${dir.path}/bad.yaml`;
    writeFileSync(bad, 'rules:\n  - match: { spife: x }\n');
    const start = startInProcess({ policy: bad }, fixtureCommand('meta-echo-server.ts'));
    await expect(start).rejects.toThrow(
      new RegExp(`^--policy ${bad}: .*spife.*rules\\.0\\.match|^--policy ${bad}: .*rules\\.0\\.match`),
    );
    await expect(start).rejects.toBeInstanceOf(SetupError);
  });
});

describe('access policy (--policy) in shared mode', () => {
  it('two callers see different lists at the same moment, from the first answer and from the cache', async () => {
    const [reader, admin] = await Promise.all([sessionAs('reader-token-1'), sessionAs('admin-token-1')]);
    for (let round = 0; round < 2; round++) {
      const [readerTools, adminTools] = await Promise.all([reader.call('tools/list'), admin.call('tools/list')]);
      expect(names(readerTools, 'tools')).toEqual(['whoami', 'calls', 'search']);
      expect(names(adminTools, 'tools')).toEqual(['whoami', 'calls', 'search', 'delete_all', 'fail']);
    }
    expect(names(await reader.call('prompts/list'), 'prompts')).toEqual(['greet']);
    expect(names(await reader.call('resources/list'), 'resources', 'uri')).toEqual(['docs://a']);
    expect(names(await admin.call('resources/list'), 'resources', 'uri')).toEqual(['docs://a', 'secret://b']);
  });

  it('a denied call gets an error naming the tool and why, never reaches the server, and is counted', async () => {
    const [reader, admin] = await Promise.all([sessionAs('reader-token-1'), sessionAs('admin-token-1')]);
    const denied = await reader.tool('delete_all');
    expect(denied.error?.message).toMatch(
      /access policy does not let reader use tools\/call 'delete_all': no rule of the access policy allows it/,
    );
    expect(denied.error?.message).toMatch(/not sent to the MCP server/);
    expect((await reader.call('resources/read', { uri: 'secret://b' })).error?.message).toMatch(/secret:\/\/b/);
    expect(JSON.parse(textOf(await admin.tool('calls')))).not.toHaveProperty('delete_all');
    const metrics = await (await fetch(`${bridge.adminUrl}/metrics`)).text();
    expect(metrics).toMatch(/mcp_sidecar_policy_denials_total\{kind="tool"\} 1/);
    expect(metrics).toMatch(/mcp_sidecar_policy_denials_total\{kind="resource"\} 1/);
  });

  it('applies a changed policy file without a restart', async () => {
    const [reader, admin] = await Promise.all([sessionAs('reader-token-1'), sessionAs('admin-token-1')]);
    writeFileSync(policyFile, POLICY(['whoami', 'search', 'calls', 'delete_all']));
    await waitFor(
      async () => ((await reader.tool('delete_all')).error === undefined ? true : undefined),
      2_000,
      () => 'the changed policy was not applied within 2 s',
    );
    expect(JSON.parse(textOf(await admin.tool('calls')))).toMatchObject({ delete_all: 1 });
    expect(names(await reader.call('tools/list'), 'tools')).toContain('delete_all');
  });
});
