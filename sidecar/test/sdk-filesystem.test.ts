// @modelcontextprotocol/server-filesystem behind mcp-sidecar, driven by the SDK v1 client: list and read files of
// the allowed directory, write one and find it on disk, and be refused outside the allowed directory.
import { mkdir, readFile, realpath, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';

import {
  Closer,
  connectV1,
  filesystemServerCommand,
  type LoggedBridge,
  makeTempDir,
  startLoggedInProcess,
  textOf,
  type V1StreamableSession,
} from '../../test/helpers/sdk-clients.ts';

const HELLO = 'first line of hello.txt\nsecond line: ünïcödé ✓\nthird line\n';

describe.each(['shared', 'per-session'] as const)('server-filesystem behind mcp-sidecar (%s)', (mode) => {
  let bridge: LoggedBridge;
  let dir: Awaited<ReturnType<typeof makeTempDir>>;
  let root = '';
  let outside: Awaited<ReturnType<typeof makeTempDir>>;
  const closer = new Closer();
  const connect = async (): Promise<V1StreamableSession> =>
    closer.add(await connectV1(bridge.url, `fs-${mode}`), async (session) => {
      await session.transport.terminateSession();
      await session.client.close();
    });

  beforeAll(async () => {
    dir = await makeTempDir(`fs-${mode}`);
    outside = await makeTempDir(`fs-outside-${mode}`);
    root = await realpath(dir.path);
    await writeFile(join(root, 'hello.txt'), HELLO);
    await mkdir(join(root, 'notes'));
    await writeFile(join(root, 'notes', 'todo.md'), '- [ ] test the bridge\n');
    await writeFile(join(outside.path, 'secret.txt'), 'not for the client');
    bridge = await startLoggedInProcess({ sessionMode: mode, poolMin: 1 }, filesystemServerCommand(root));
  });
  afterEach(() => closer.closeAll());
  afterAll(async () => {
    await bridge?.close();
    await dir?.remove();
    await outside?.remove();
  });

  test('lists the allowed directory and its entries', async () => {
    const { client } = await connect();
    const tools = (await client.listTools()).tools.map((tool) => tool.name);
    expect(tools).toEqual(expect.arrayContaining(['list_directory', 'read_text_file', 'write_file']));
    const allowed = await client.callTool({ name: 'list_allowed_directories', arguments: {} });
    expect(textOf(allowed)).toContain(root);
    const listing = await client.callTool({ name: 'list_directory', arguments: { path: root } });
    expect(textOf(listing).split('\n').sort()).toEqual(['[DIR] notes', '[FILE] hello.txt']);
    const nested = await client.callTool({ name: 'list_directory', arguments: { path: join(root, 'notes') } });
    expect(textOf(nested)).toBe('[FILE] todo.md');
  });

  test('reads a file whole and in part', async () => {
    const { client } = await connect();
    const whole = await client.callTool({ name: 'read_text_file', arguments: { path: join(root, 'hello.txt') } });
    expect(textOf(whole)).toBe(HELLO);
    expect(whole.structuredContent).toEqual({ content: HELLO });
    const head = await client.callTool({
      name: 'read_text_file',
      arguments: { path: join(root, 'hello.txt'), head: 1 },
    });
    expect(textOf(head)).toBe('first line of hello.txt');
  });

  test('writes a file that is then on disk and readable through the bridge', async () => {
    const { client } = await connect();
    const path = join(root, `written-${mode}.txt`);
    const content = `written through mcp-sidecar (${mode})\n`;
    const written = await client.callTool({ name: 'write_file', arguments: { path, content } });
    expect(written.isError).toBeFalsy();
    expect(await readFile(path, 'utf8')).toBe(content);
    expect(textOf(await client.callTool({ name: 'read_text_file', arguments: { path } }))).toBe(content);
  });

  test('a path outside the allowed directory is refused with a tool error', async () => {
    const { client } = await connect();
    const denied = await client.callTool({
      name: 'read_text_file',
      arguments: { path: join(outside.path, 'secret.txt') },
    });
    expect(denied.isError).toBe(true);
    expect(textOf(denied)).toMatch(/access denied|outside allowed/i);
    expect(textOf(denied)).not.toContain('not for the client');
  });
});
