// Request decorators: applied in order by the router's forward step, after ids and tokens are rewritten, and given
// the request's context.

import { classify, type JsonRpcRequest } from '@mcp-sidecar/protocol';
import { defaultBridgeConfig } from '@mcp-sidecar/contract';
import { describe, expect, it } from 'vitest';

import { ANONYMOUS, NO_TRACE, type RequestContext } from '../../src/context.ts';
import { decorate, type RequestDecorator, requestDecorators } from '../../src/router/decorators.ts';
import { Router } from '../../src/router/router.ts';
import { ALL_CAPABILITIES } from '../../src/router/types.ts';

const ctx = (sessionId: string): RequestContext<string> => ({
  era: 'legacy-session',
  protocolVersion: '2025-11-25',
  sessionId,
  identity: ANONYMOUS,
  trace: NO_TRACE,
  sink: `sink-${sessionId}`,
});

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

  it('is an empty list for a bridge with nothing to add', () => {
    expect(requestDecorators(defaultBridgeConfig())).toEqual([]);
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
