// @modelcontextprotocol/server-memory behind mcp-sidecar, driven by SDK v1 clients. Each server process keeps its
// knowledge graph in its own file (memory-<pid>.jsonl in a temp dir), so what two sessions see of each other's
// entities shows how many processes serve them: one in shared mode, one per session in per-session mode.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';

import {
  bridgeStatus,
  Closer,
  connectV1,
  type LoggedBridge,
  makeTempDir,
  memoryServerCommand,
  startLoggedInProcess,
  textOf,
  upstreamPidOf,
  type V1StreamableSession,
} from '../../test/helpers/sdk-clients.ts';

interface Entity {
  name: string;
  entityType: string;
  observations: string[];
}
interface Graph {
  entities: Entity[];
  relations: { from: string; to: string; relationType: string }[];
}

async function graphOf(session: V1StreamableSession, tool = 'read_graph', args: Record<string, unknown> = {}) {
  const result = await session.client.callTool({ name: tool, arguments: args });
  expect(result.isError).toBeFalsy();
  // The tool answers with both forms; they must agree.
  expect(JSON.parse(textOf(result))).toEqual(result.structuredContent);
  return result.structuredContent as Graph;
}

const names = (graph: Graph) => graph.entities.map((entity) => entity.name).sort();

describe.each(['shared', 'per-session'] as const)('server-memory behind mcp-sidecar (%s)', (mode) => {
  let bridge: LoggedBridge;
  let dir: Awaited<ReturnType<typeof makeTempDir>>;
  const closer = new Closer();
  const connect = async (name: string) =>
    closer.add(await connectV1(bridge.url, name), async (session) => {
      await session.transport.terminateSession();
      await session.client.close();
    });

  beforeAll(async () => {
    dir = await makeTempDir(`memory-${mode}`);
    bridge = await startLoggedInProcess({ sessionMode: mode, poolMin: 2 }, memoryServerCommand(dir.path));
  });
  afterEach(() => closer.closeAll());
  afterAll(async () => {
    await bridge?.close();
    await dir?.remove();
  });

  test('the knowledge-graph tools work end to end', async () => {
    const session = await connect(`memory-tools-${mode}`);
    const tools = (await session.client.listTools()).tools.map((tool) => tool.name);
    expect(tools).toEqual(
      expect.arrayContaining(['create_entities', 'create_relations', 'read_graph', 'search_nodes']),
    );

    const created = await session.client.callTool({
      name: 'create_entities',
      arguments: {
        entities: [
          { name: 'Grace', entityType: 'person', observations: ['wrote a compiler'] },
          { name: 'COBOL', entityType: 'language', observations: ['business oriented'] },
        ],
      },
    });
    expect(created.structuredContent).toEqual({
      entities: [
        { name: 'Grace', entityType: 'person', observations: ['wrote a compiler'] },
        { name: 'COBOL', entityType: 'language', observations: ['business oriented'] },
      ],
    });
    await session.client.callTool({
      name: 'create_relations',
      arguments: { relations: [{ from: 'Grace', to: 'COBOL', relationType: 'designed' }] },
    });
    const added = await session.client.callTool({
      name: 'add_observations',
      arguments: { observations: [{ entityName: 'Grace', contents: ['rear admiral'] }] },
    });
    expect(added.structuredContent).toEqual({
      results: [{ entityName: 'Grace', addedObservations: ['rear admiral'] }],
    });

    const found = await graphOf(session, 'search_nodes', { query: 'admiral' });
    expect(found.entities).toEqual([
      { name: 'Grace', entityType: 'person', observations: ['wrote a compiler', 'rear admiral'] },
    ]);
    expect(found.relations).toEqual([{ from: 'Grace', to: 'COBOL', relationType: 'designed' }]);
    const opened = await graphOf(session, 'open_nodes', { names: ['COBOL'] });
    expect(names(opened)).toEqual(['COBOL']);

    // The graph lives in the file of the process that served this session.
    const pid = await upstreamPidOf(bridge.adminUrl, session.transport.sessionId!);
    const file = await readFile(join(dir.path, `memory-${pid}.jsonl`), 'utf8');
    expect(file).toContain('"name":"Grace"');
  });

  test(
    mode === 'shared'
      ? 'two sessions share one server process and see the same graph'
      : 'two sessions get one server process each and separate graphs',
    async () => {
      const alice = await connect(`memory-alice-${mode}`);
      const bob = await connect(`memory-bob-${mode}`);
      const entity = { name: `Alice-${mode}`, entityType: 'person', observations: ['drinks tea'] };
      await alice.client.callTool({ name: 'create_entities', arguments: { entities: [entity] } });
      const alicePid = await upstreamPidOf(bridge.adminUrl, alice.transport.sessionId!);
      const bobPid = await upstreamPidOf(bridge.adminUrl, bob.transport.sessionId!);
      expect(alicePid).toBeGreaterThan(0);
      expect(bobPid).toBeGreaterThan(0);

      const seenByBob = await graphOf(bob, 'search_nodes', { query: 'tea' });
      if (mode === 'shared') {
        expect(bobPid).toBe(alicePid);
        expect(seenByBob.entities).toEqual([entity]);
        await bob.client.callTool({
          name: 'add_observations',
          arguments: { observations: [{ entityName: entity.name, contents: ['added by bob'] }] },
        });
        const seenByAlice = await graphOf(alice, 'open_nodes', { names: [entity.name] });
        expect(seenByAlice.entities[0]?.observations).toEqual(['drinks tea', 'added by bob']);
      } else {
        expect(bobPid).not.toBe(alicePid);
        expect(seenByBob.entities).toEqual([]);
        await bob.client.callTool({
          name: 'create_entities',
          arguments: { entities: [{ name: 'Bob-only', entityType: 'person', observations: [] }] },
        });
        expect(names(await graphOf(bob))).toEqual(['Bob-only']);
        expect(names(await graphOf(alice))).toEqual([entity.name]);
        const status = await bridgeStatus(bridge.adminUrl);
        const pids = status.sessions.list.map((session) => session.upstream?.pid);
        expect(new Set(pids).size).toBe(pids.length);
      }
      const files = (await readdir(dir.path)).filter((file) => file.endsWith('.jsonl'));
      expect(files).toContain(`memory-${alicePid}.jsonl`);
      expect(files).toContain(`memory-${bobPid}.jsonl`);
    },
  );
});
