// The official SDK v1 client (Client + StreamableHTTPClientTransport) against mcp-sidecar in front of the real
// @modelcontextprotocol/server-everything, in both session modes: the features an MCP host actually uses, checked
// by their returned values (tool answers, progress, sampling and elicitation round trips, logs, resources).
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';

import { waitFor } from '../../test/helpers/bridge-process.ts';
import { sessionFingerprint } from '../src/health.ts';
import {
  bridgeStatus,
  Closer,
  connectV1,
  ELICITED_NAME,
  EVERYTHING,
  type LoggedBridge,
  samplingAnswerOf,
  startLoggedInProcess,
  textOf,
  type V1StreamableSession,
} from '../../test/helpers/sdk-clients.ts';

const LOG_LEVELS = ['debug', 'info', 'notice', 'warning', 'error', 'critical', 'alert', 'emergency'];
const TEXT_RESOURCE = 'demo://resource/dynamic/text/7';

describe.each(['shared', 'per-session'] as const)(
  'SDK v1 Streamable HTTP → mcp-sidecar (%s) → server-everything',
  (mode) => {
    let bridge: LoggedBridge;
    const closer = new Closer();
    const connect = async (): Promise<V1StreamableSession> =>
      closer.add(await connectV1(bridge.url, `v1-${mode}`), (session) => session.client.close());

    beforeAll(async () => {
      bridge = await startLoggedInProcess({ sessionMode: mode, poolMin: 2 }, EVERYTHING);
    });
    afterEach(() => closer.closeAll());
    afterAll(() => bridge?.close());

    test('connects: server identity, capabilities, the 2025-11-25 protocol and a session id', async () => {
      const { client, transport } = await connect();
      expect(client.getServerVersion()).toMatchObject({ name: 'mcp-servers/everything', version: '2.0.0' });
      expect(client.getServerCapabilities()).toMatchObject({
        tools: {},
        prompts: {},
        resources: { subscribe: true },
        logging: {},
      });
      expect(transport.protocolVersion).toBe('2025-11-25');
      expect(transport.sessionId).toMatch(/^[\x21-\x7e]+$/);
    });

    test('lists tools, prompts, resources and resource templates', async () => {
      const { client } = await connect();
      const tools = (await client.listTools()).tools.map((tool) => tool.name);
      expect(tools).toEqual(
        expect.arrayContaining([
          'echo',
          'get-sum',
          'trigger-long-running-operation',
          'toggle-simulated-logging',
          'toggle-subscriber-updates',
          // Registered only for clients that declared sampling / elicitation:
          'trigger-sampling-request',
          'trigger-elicitation-request',
        ]),
      );
      const echo = (await client.listTools()).tools.find((tool) => tool.name === 'echo');
      expect(echo?.inputSchema).toMatchObject({ type: 'object', properties: { message: { type: 'string' } } });
      const prompts = (await client.listPrompts()).prompts.map((prompt) => prompt.name);
      expect(prompts).toEqual(expect.arrayContaining(['simple-prompt', 'args-prompt']));
      const resources = (await client.listResources()).resources.map((resource) => resource.uri);
      expect(resources).toContain('demo://resource/static/document/instructions.md');
      const templates = (await client.listResourceTemplates()).resourceTemplates.map(
        (template) => template.uriTemplate,
      );
      expect(templates).toContain('demo://resource/dynamic/text/{resourceId}');
    });

    test('calls echo and get-sum and gets their answers', async () => {
      const { client } = await connect();
      const echo = await client.callTool({ name: 'echo', arguments: { message: `hello from ${mode}` } });
      expect(textOf(echo)).toBe(`Echo: hello from ${mode}`);
      const sum = await client.callTool({ name: 'get-sum', arguments: { a: 19, b: 23.5 } });
      expect(textOf(sum)).toBe('The sum of 19 and 23.5 is 42.5.');
      expect(sum.isError).toBeFalsy();
    });

    test('a tool called with invalid arguments reports an error result, not a hang', async () => {
      const { client } = await connect();
      const result = await client.callTool({ name: 'get-sum', arguments: { a: 'one', b: 2 } });
      expect(result.isError).toBe(true);
      expect(textOf(result)).toMatch(/invalid/i);
    });

    test('gets a prompt with arguments', async () => {
      const { client } = await connect();
      const prompt = await client.getPrompt({ name: 'args-prompt', arguments: { city: 'Lyon', state: 'Rhône' } });
      expect(prompt.messages[0]?.content).toEqual({ type: 'text', text: "What's weather in Lyon, Rhône?" });
    });

    test('progress notifications reach onprogress, in order, with the right total', async () => {
      const { client } = await connect();
      const progress: { progress: number; total?: number }[] = [];
      const result = await client.callTool(
        { name: 'trigger-long-running-operation', arguments: { duration: 1, steps: 5 } },
        undefined,
        { onprogress: (update) => progress.push(update) },
      );
      expect(textOf(result)).toBe('Long running operation completed. Duration: 1 seconds, Steps: 5.');
      expect(progress.map((update) => update.progress)).toEqual([1, 2, 3, 4, 5]);
      expect(progress.every((update) => update.total === 5)).toBe(true);
    });

    test('cancelling a call (AbortSignal) rejects it, drops its late progress, and the session keeps working', async () => {
      const { client, transport } = await connect();
      const errors: Error[] = [];
      client.onerror = (error) => errors.push(error);
      const abort = new AbortController();
      const progress: number[] = [];
      const call = client.callTool(
        { name: 'trigger-long-running-operation', arguments: { duration: 1, steps: 4 } },
        undefined,
        {
          signal: abort.signal,
          onprogress: (update) => {
            progress.push(update.progress);
            if (update.progress === 1) abort.abort('enough');
          },
        },
      );
      await expect(call).rejects.toThrow(/enough/);
      // The server keeps going (its tool ignores cancellation); nothing more of that call may reach the client.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(progress).toEqual([1]);
      expect(errors).toEqual([]);
      expect(textOf(await client.callTool({ name: 'echo', arguments: { message: 'after cancel' } }))).toBe(
        'Echo: after cancel',
      );
      const status = await bridgeStatus(bridge.adminUrl);
      expect(
        status.sessions.list.find((session) => session.fingerprint === sessionFingerprint(transport.sessionId!)),
      ).toMatchObject({
        openRequests: 0,
      });
    });

    test("sampling: the server's sampling/createMessage reaches the client's handler and its answer returns", async () => {
      const session = await connect();
      const prompt = `what is 6 x 7 (${mode})`;
      const result = await session.client.callTool({ name: 'trigger-sampling-request', arguments: { prompt } });
      expect(result.isError).toBeFalsy();
      expect(textOf(result)).toContain(samplingAnswerOf(`v1-${mode}`));
      expect(textOf(result)).toContain('test-model');
      expect(session.samplingRequests).toHaveLength(1);
      expect(session.samplingRequests[0]).toMatchObject({
        messages: [
          { role: 'user', content: { type: 'text', text: `Resource trigger-sampling-request context: ${prompt}` } },
        ],
        maxTokens: 100,
      });
    });

    // One upstream initialized by the bridge (shared, or warm per-session) lists the tools server-everything registers
    // for sampling-capable clients to every client. Calling one without the capability must fail clearly, not hang.
    test('a client that declared no sampling capability gets a clear error from trigger-sampling-request', async () => {
      const session = closer.add(await connectV1(bridge.url, `no-caps-${mode}`, { serverRequests: false }), (s) =>
        s.client.close(),
      );
      const result = await session.client.callTool({ name: 'trigger-sampling-request', arguments: { prompt: 'x' } });
      expect(result.isError).toBe(true);
      expect(textOf(result)).toContain('did not declare the "sampling" capability');
    });

    test("elicitation: the server's elicitation/create reaches the client's handler and its content returns", async () => {
      const { client } = await connect();
      const result = await client.callTool({ name: 'trigger-elicitation-request', arguments: {} });
      const text = textOf(result);
      expect(text).toContain('User provided the requested information');
      expect(text).toContain(`- Name: ${ELICITED_NAME}`);
    });

    test('logging: after setLoggingLevel, a tool that logs gets its log messages to the client', async () => {
      const session = await connect();
      await session.client.setLoggingLevel('debug');
      const started = await session.client.callTool({ name: 'toggle-simulated-logging', arguments: {} });
      try {
        expect(textOf(started)).toMatch(/^Started simulated, random-leveled logging/);
        const logs = await waitFor(
          () => (session.logs.length > 0 ? session.logs : undefined),
          5_000,
          () => `no log message reached the client\n${bridge.output().slice(-3000)}`,
        );
        expect(LOG_LEVELS).toContain(logs[0]?.level);
        expect(String(logs[0]?.data)).toMatch(/level[- ]message/i);
      } finally {
        const stopped = await session.client.callTool({ name: 'toggle-simulated-logging', arguments: {} });
        expect(textOf(stopped)).toMatch(/^Stopped simulated logging/);
      }
    });

    test('resources: read a static and a templated resource; subscribe and receive resources/updated', async () => {
      const session = await connect();
      const { client } = session;
      const instructions = await client.readResource({ uri: 'demo://resource/static/document/instructions.md' });
      expect(instructions.contents[0]).toMatchObject({
        uri: 'demo://resource/static/document/instructions.md',
        mimeType: 'text/markdown',
      });
      expect((instructions.contents[0] as { text?: string }).text?.length).toBeGreaterThan(50);
      const dynamic = await client.readResource({ uri: TEXT_RESOURCE });
      expect(dynamic.contents[0]).toMatchObject({ uri: TEXT_RESOURCE, mimeType: 'text/plain' });
      expect((dynamic.contents[0] as { text?: string }).text).toMatch(/^Resource 7: This is a plaintext resource/);

      expect(await client.subscribeResource({ uri: TEXT_RESOURCE })).toEqual({});
      const toggled = await client.callTool({ name: 'toggle-subscriber-updates', arguments: {} });
      try {
        expect(textOf(toggled)).toMatch(/^Started simulated resource updated notifications/);
        await waitFor(
          () => session.updates.find((update) => update.uri === TEXT_RESOURCE),
          5_000,
          () => `no resources/updated for ${TEXT_RESOURCE}\n${bridge.output().slice(-3000)}`,
        );
      } finally {
        await client.callTool({ name: 'toggle-subscriber-updates', arguments: {} });
        await client.unsubscribeResource({ uri: TEXT_RESOURCE });
      }
    });

    test('ping answers with an empty result', async () => {
      const { client } = await connect();
      expect(await client.ping()).toEqual({});
    });
  },
);
