// The start-up probe that tells a 2026-07-28 server from a 2025 one, on a fake handshake target (the real servers:
// python-sdk.test.ts for a modern one, every other suite for 2025 ones).

import type { JsonRpcResponse } from '@mcp-sidecar/protocol';
import { describe, expect, it } from 'vitest';

import { createLogger } from '../../src/log.ts';
import { EraDetector, probingHandshake } from '../../src/modern/upstream-era.ts';
import type { HandshakeTarget } from '../../src/upstream/warmup.ts';

const INITIALIZE = { protocolVersion: '2025-11-25', capabilities: {}, serverInfo: { name: 's', version: '1' } };

/** A target that answers the probe with `probeAnswer` and records what the handshake did, in order. */
function target(probeAnswer: JsonRpcResponse | undefined) {
  const steps: string[] = [];
  const fake: HandshakeTarget = {
    probe: (request) => {
      steps.push(`probe ${request.method}`);
      return Promise.resolve(probeAnswer);
    },
    reconnect: () => {
      steps.push('reconnect');
      return Promise.resolve();
    },
    request: (method) => {
      steps.push(method);
      return Promise.resolve({ jsonrpc: '2.0', id: 1, result: method === 'initialize' ? INITIALIZE : {} });
    },
    requestOpen: () => undefined,
    notifyUpstream: (method) => void steps.push(method),
    router: { restoreRequests: () => [] },
  };
  return { fake, steps };
}

const silent = createLogger('silent');
const discovered = (versions: string[]): JsonRpcResponse => ({
  jsonrpc: '2.0',
  id: 'mcp-sidecar-probe',
  result: { resultType: 'complete', supportedVersions: versions, capabilities: {} },
});

describe('probingHandshake', () => {
  it('a 2025 server (an error, or a discover without 2026-07-28): legacy, initialize on the same connection', async () => {
    for (const answer of [
      { jsonrpc: '2.0' as const, id: 'mcp-sidecar-probe', error: { code: -32601, message: 'no' } },
      discovered(['2025-11-25']),
      undefined, // no answer within the timeout
    ]) {
      const detector = new EraDetector('auto', silent);
      const { fake, steps } = target(answer);
      await probingHandshake(detector)(fake, []);
      expect(await detector.era).toBe('legacy');
      expect(steps).toEqual(['probe server/discover', 'initialize', 'notifications/initialized']);
    }
  });

  it('a 2026-07-28 server: modern, and the probed connection is given up before initialize', async () => {
    const detector = new EraDetector('auto', silent);
    const { fake, steps } = target(discovered(['2026-07-28']));
    await probingHandshake(detector)(fake, []);
    expect(await detector.era).toBe('modern');
    expect(steps).toEqual(['probe server/discover', 'reconnect', 'initialize', 'notifications/initialized']);
  });

  it('probes once: later handshakes (restarts, pool warm-ups) go straight to initialize', async () => {
    const detector = new EraDetector('auto', silent);
    await probingHandshake(detector)(target(discovered(['2026-07-28'])).fake, []);
    const { fake, steps } = target(undefined);
    await probingHandshake(detector)(fake, []);
    expect(steps).toEqual(['initialize', 'notifications/initialized']);
  });

  it('a connection that ends before answering (no server there yet) fails the handshake and decides nothing', async () => {
    const detector = new EraDetector('auto', silent);
    const { fake, steps } = target(undefined);
    fake.probe = () => Promise.reject(new Error('the connection ended before it answered server/discover'));
    await expect(probingHandshake(detector)(fake, [])).rejects.toThrow(/ended before it answered/);
    expect(detector.settled).toBe(false);
    expect(steps).toEqual([]);
  });

  it('--upstream-protocol legacy or modern decides without a probe', async () => {
    expect(await new EraDetector('legacy', silent).era).toBe('legacy');
    const modern = new EraDetector('modern', silent);
    expect(modern.settled).toBe(true);
    expect(await modern.era).toBe('modern');
  });
});
