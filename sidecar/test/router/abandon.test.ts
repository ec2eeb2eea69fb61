// Router.abandon: giving up on one request in flight (--request-timeout, or a request that could not be written).
// Pure: messages in, effects out.

import { classify, type JsonRpcErrorObject } from '@mcp-sidecar/protocol';
import { describe, expect, it } from 'vitest';

import { Router } from '../../src/router/router.ts';
import { ALL_CAPABILITIES, type Effect } from '../../src/router/types.ts';
import { sessionContext } from '../../../test/helpers/request-context.ts';

type Stream = { readonly name: string };

function forwarded(method: string) {
  const router = new Router<Stream>({ exclusive: false });
  const route = router.openSession('s1', ALL_CAPABILITIES, 's1');
  const sink = { name: 'post-1' };
  const ctx = sessionContext(sink);
  const request = classify({ jsonrpc: '2.0', id: 'client-7', method, params: { name: 'slow' } });
  if (request.kind !== 'request') throw new Error('not a request');
  const [sent] = router.fromClient(route, ctx, request);
  const upstreamId = (sent as Extract<Effect<Stream>, { kind: 'upstream' }>).message as { id: number };
  return { router, route, sink, upstreamId: upstreamId.id };
}

const timeout = (): JsonRpcErrorObject => ({ code: -32000, message: 'timed out' });

describe('Router.abandon', () => {
  it('answers the client with the error, under its own id, cancels upstream and frees the slot', () => {
    const { router, route, sink, upstreamId } = forwarded('tools/call');
    expect(router.inflight).toBe(1);
    const effects = router.abandon(upstreamId, timeout, 'deadline');
    expect(effects).toEqual([
      {
        kind: 'upstream',
        message: {
          jsonrpc: '2.0',
          method: 'notifications/cancelled',
          params: { requestId: upstreamId, reason: 'deadline' },
        },
      },
      { kind: 'deliver', stream: sink, message: { jsonrpc: '2.0', id: 'client-7', error: timeout() }, final: true },
    ]);
    expect(router.inflight).toBe(0);
    expect(route.inflight.size).toBe(0);
    // A late answer from the server is dropped, not delivered twice.
    const late = router.fromUpstream({ kind: 'response', message: { jsonrpc: '2.0', id: upstreamId, result: {} } });
    expect(late.map((effect) => effect.kind)).toEqual(['dropped']);
  });

  it('without a reason (the request never reached the server) sends no cancellation', () => {
    const { router, upstreamId } = forwarded('tools/call');
    expect(router.abandon(upstreamId, timeout).map((effect) => effect.kind)).toEqual(['deliver']);
  });

  it('never cancels initialize (clients must not), and ignores requests no longer in flight', () => {
    const { router, upstreamId } = forwarded('initialize');
    expect(router.abandon(upstreamId, timeout, 'deadline').map((effect) => effect.kind)).toEqual(['deliver']);
    expect(router.abandon(upstreamId, timeout, 'deadline')).toEqual([]);
  });
});
