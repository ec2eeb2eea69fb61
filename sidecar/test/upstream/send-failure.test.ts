// "No code path leaves a request in flight after the client got an error": a request the transport cannot write is
// failed at once and removed from the router's table. The transport here is a stand-in that throws on send (no real
// transport can be made to fail a write on demand); everything else is the real Upstream and Router.

import type { JsonRpcMessage } from '@mcp-sidecar/protocol';
import { classify } from '@mcp-sidecar/protocol';
import { describe, expect, it } from 'vitest';

import type { ResponseSink } from '../../src/context.ts';
import { createLogger } from '../../src/log.ts';
import { Metrics } from '../../src/metrics.ts';
import { ALL_CAPABILITIES } from '../../src/router/types.ts';
import type { Transport } from '../../src/upstream/transport.ts';
import { Upstream } from '../../src/upstream/upstream.ts';
import { sessionContext } from '../../../test/helpers/request-context.ts';

/** A transport that cannot write anything (as if JSON.stringify or the pipe threw). */
const unwritable = (): Transport => ({
  description: 'unwritable stand-in',
  ended: false,
  send: () => {
    throw new RangeError('Maximum call stack size exceeded');
  },
  close: () => Promise.resolve(),
});

describe('a request that cannot be written upstream', () => {
  it('is answered with not_forwarded at once, and nothing stays in flight', async () => {
    const upstream = new Upstream({
      open: unwritable,
      exclusive: false,
      restart: false,
      warmup: [],
      decorators: [],
      log: createLogger('silent'),
      metrics: new Metrics(),
      limits: { requestTimeout: 60_000, logRate: 20, maxJsonDepth: 128 },
    });
    await upstream.start('cold');
    const owner = { notify: () => undefined, upstreamEnded: () => undefined };
    const route = upstream.router.openSession('s1', ALL_CAPABILITIES, owner);
    const delivered: { message: JsonRpcMessage; final: boolean }[] = [];
    const sink: ResponseSink = {
      deliver: (message, final) => delivered.push({ message, final }),
      end: () => undefined,
    };
    const ctx = sessionContext(sink);
    const request = classify({ jsonrpc: '2.0', id: 5, method: 'tools/call', params: { name: 'x' } });
    if (request.kind !== 'request') throw new Error('not a request');
    upstream.fromClient(route, ctx, request);
    expect(delivered).toHaveLength(1);
    expect(delivered[0]).toMatchObject({ final: true, message: { id: 5, error: { code: -32603 } } });
    expect((delivered[0]!.message as { error: { message: string } }).error.message).toContain(
      "could not send tools/call 'x'",
    );
    expect(upstream.router.inflight).toBe(0);
    expect(route.inflight.size).toBe(0);
    await upstream.close();
  });
});
