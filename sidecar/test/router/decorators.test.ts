// Request decorators: applied in order by the router's forward step, after ids and tokens are rewritten, and given
// the request's context.

import { classify, type JsonRpcRequest } from '@mcp-sidecar/protocol';
import { defaultBridgeConfig } from '@mcp-sidecar/contract';
import { describe, expect, it } from 'vitest';

import type { RequestContext } from '../../src/context.ts';
import {
  decorate,
  peerDecorator,
  type RequestDecorator,
  requestDecorators,
  traceDecorator,
} from '../../src/router/decorators.ts';
import { Router } from '../../src/router/router.ts';
import { ALL_CAPABILITIES } from '../../src/router/types.ts';
import { sessionContext } from '../../../test/helpers/request-context.ts';

const ctx = (sessionId: string): RequestContext<string> => sessionContext(`sink-${sessionId}`, sessionId);

const tag =
  (key: string): RequestDecorator =>
  (context, request) => ({ ...request, params: { ...request.params, [key]: context.sessionId } });

describe('decorate', () => {
  it('applies each decorator in order to what the previous one returned', () => {
    const order: string[] = [];
    const step =
      (name: string): RequestDecorator =>
      (_context, request) => (order.push(name), request);
    const request: JsonRpcRequest = { jsonrpc: '2.0', id: 1, method: 'ping' };
    expect(decorate([step('a'), step('b')], ctx('s'), request)).toBe(request);
    expect(order).toEqual(['a', 'b']);
  });

  it('names the caller on every request (even with nothing configured, so no client can forge it), then the trace', () => {
    expect(requestDecorators(defaultBridgeConfig())).toEqual([peerDecorator, traceDecorator]);
  });
});

describe("the router's forward step", () => {
  it('decorates what goes upstream with the context of the request it came from', () => {
    const router = new Router<string>({ exclusive: false, decorators: [tag('from')] });
    const route = router.openSession('a', ALL_CAPABILITIES, 'a');
    const message = classify({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'x' } });
    if (message.kind !== 'request') throw new Error('not a request');
    const [effect] = router.fromClient(route, ctx('a'), message);
    expect(effect).toMatchObject({
      kind: 'upstream',
      message: { method: 'tools/call', params: { name: 'x', from: 'a' } },
    });
  });
});

describe('the peer and trace decorators', () => {
  const request = (meta?: Record<string, unknown>): JsonRpcRequest => ({
    jsonrpc: '2.0',
    id: 9,
    method: 'tools/call',
    params: { name: 'x', ...(meta ? { _meta: meta } : {}) },
  });

  it('replaces a peer object the client wrote and keeps the rest of _meta', () => {
    const forged = request({
      'io.mcp-sidecar/peer': { source: 'certificate', spiffe: 'spiffe://x' },
      progressToken: 3,
    });
    const identity = { source: 'jwt' as const, sub: 'a', claims: { sub: 'a' } };
    expect(peerDecorator({ ...ctx('s'), identity }, forged).params?._meta).toEqual({
      'io.mcp-sidecar/peer': { source: 'jwt', sub: 'a' },
      progressToken: 3,
    });
  });

  it("adds the hop's trace keys only when recording, and never over a client's own traceparent", () => {
    const keys = { traceparent: '00-aa-bb-01' };
    const trace = { recording: true, logFields: undefined, upstreamHop: () => keys };
    expect(traceDecorator(ctx('s'), request())).toEqual(request());
    expect(traceDecorator({ ...ctx('s'), trace }, request()).params?._meta).toEqual(keys);
    const own = request({ traceparent: '00-cc-dd-01' });
    expect(traceDecorator({ ...ctx('s'), trace }, own).params?._meta).toEqual({ traceparent: '00-cc-dd-01' });
  });
});
