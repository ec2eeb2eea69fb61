// The request pipeline: stages run in order, the first refusal wins, later stages never run after it, and a stage
// that answers asynchronously is awaited without making the synchronous ones asynchronous.

import type { IncomingMessage, ServerResponse } from 'node:http';

import { describe, expect, it } from 'vitest';

import { refuse } from '../../src/errors.ts';
import { exchangeOf, runStages, type Stage } from '../../src/http/pipeline.ts';
import { requestStages } from '../../src/http/stages/index.ts';
import { defaultBridgeConfig } from '@mcp-sidecar/contract';

const exchange = (headers: Record<string, string> = {}, method = 'POST') =>
  exchangeOf({ headers, method } as unknown as IncomingMessage, {} as ServerResponse, 'mcp', '');

const recorder = (ran: string[], name: string, answer?: () => ReturnType<Stage['run']>): Stage => ({
  name,
  run: () => {
    ran.push(name);
    return answer?.();
  },
});

describe('runStages', () => {
  it('runs every stage in order and lets the request through, synchronously', () => {
    const ran: string[] = [];
    const outcome = runStages([recorder(ran, 'a'), recorder(ran, 'b')], exchange());
    expect(outcome).toBeUndefined();
    expect(ran).toEqual(['a', 'b']);
  });

  it('stops at the first refusal', () => {
    const ran: string[] = [];
    const refusal = refuse.mediaType();
    const outcome = runStages([recorder(ran, 'a', () => refusal), recorder(ran, 'b')], exchange());
    expect(outcome).toBe(refusal);
    expect(ran).toEqual(['a']);
  });

  it('awaits an asynchronous stage, then carries on with the rest', async () => {
    const ran: string[] = [];
    const later = refuse.host('x');
    const stages = [
      recorder(ran, 'a', () => Promise.resolve(undefined)),
      recorder(ran, 'b', () => later),
      recorder(ran, 'c'),
    ];
    const outcome = runStages(stages, exchange());
    expect(outcome).toBeInstanceOf(Promise);
    await expect(outcome).resolves.toBe(later);
    expect(ran).toEqual(['a', 'b']);
  });
});

describe("the bridge's stages", () => {
  const stages = requestStages({ ...defaultBridgeConfig(), host: '127.0.0.1' });

  it('are the caller guard, then the protocol-version check', () => {
    expect(stages.map((stage) => stage.name)).toEqual(['caller', 'protocol-version']);
  });

  it('refuse a foreign Host before looking at the version, and an unsupported version after', () => {
    const foreign = runStages(stages, exchange({ host: 'evil.example', 'mcp-protocol-version': '1999-01-01' }));
    expect(foreign).toMatchObject({ code: 'host_forbidden', status: 403 });
    // A request of a 2025 session: its version is checked here. (A sessionless POST's version is checked with its
    // body, where a 2026-07-28 request gets -32022 with the request's id: see the next test.)
    const session = { host: '127.0.0.1:8080', 'mcp-protocol-version': '1999-01-01', 'mcp-session-id': 's' };
    const version = runStages(stages, exchange(session));
    expect(version).toMatchObject({ code: 'unsupported_protocol_version', status: 400 });
    expect(
      runStages(stages, exchange({ host: '127.0.0.1:8080', 'mcp-protocol-version': '1999-01-01' }, 'DELETE')),
    ).toBeUndefined();
  });

  it('let a POST without a session through: its era, and so its version check, come with its body', () => {
    for (const version of ['2026-07-28', '1999-01-01']) {
      expect(runStages(stages, exchange({ host: '127.0.0.1:8080', 'mcp-protocol-version': version }))).toBeUndefined();
    }
  });
});
