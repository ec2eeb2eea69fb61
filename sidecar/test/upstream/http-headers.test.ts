import { describe, expect, it } from 'vitest';

import { encodeXfcc, messageHeaders } from '../../src/upstream/kinds/streamable-http/headers.ts';
import { dropClaimedPeer, PEER_META_KEY } from '../../src/router/decorators.ts';
import { ANONYMOUS, NO_TRACE, type RequestContext } from '../../src/context.ts';

describe('encodeXfcc', () => {
  it('encodes a certificate identity in Envoy’s format, quoting what needs it', () => {
    expect(
      encodeXfcc({
        source: 'client-cert',
        certHash: 'a1b2',
        subject: 'CN=agent,O=Acme "Inc"',
        spiffe: 'spiffe://cluster.local/ns/ai/sa/agent',
        dns: ['agent.ai.svc', 'agent'],
      }),
    ).toBe(
      'Hash=a1b2;Subject="CN=agent,O=Acme \\"Inc\\"";URI=spiffe://cluster.local/ns/ai/sa/agent;DNS=agent.ai.svc;DNS=agent',
    );
  });

  it('says nothing for identities a certificate cannot carry, and drops unsafe values', () => {
    expect(encodeXfcc({ source: 'anonymous' })).toBeUndefined();
    expect(encodeXfcc({ source: 'jwt', sub: 'alice' })).toBeUndefined();
    expect(encodeXfcc({ spiffe: 'spiffe://x\r\nInjected: 1' })).toBeUndefined();
    expect(encodeXfcc('Hash=forged')).toBeUndefined();
  });
});

describe('messageHeaders', () => {
  it('derives Mcp-Method, Mcp-Name, the trace context and XFCC from the message', () => {
    const headers = messageHeaders({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: {
        name: 'search',
        _meta: { traceparent: '00-abc-def-01', tracestate: 'k=v', [PEER_META_KEY]: { certHash: 'ff' } },
      },
    });
    expect(headers).toEqual({
      'mcp-method': 'tools/call',
      'mcp-name': 'search',
      traceparent: '00-abc-def-01',
      tracestate: 'k=v',
      'x-forwarded-client-cert': 'Hash=ff',
    });
    expect(messageHeaders({ jsonrpc: '2.0', id: 2, method: 'resources/read', params: { uri: 'test://a' } })).toEqual({
      'mcp-method': 'resources/read',
      'mcp-name': 'test://a',
    });
    expect(messageHeaders({ jsonrpc: '2.0', id: 3, result: {} })).toEqual({});
  });
});

describe('dropClaimedPeer', () => {
  const ctx: RequestContext<unknown> = {
    era: 'legacy-session',
    protocolVersion: '2025-11-25',
    sessionId: 's',
    identity: ANONYMOUS,
    trace: NO_TRACE,
    sink: undefined,
  };

  it('removes an identity a client wrote into the bridge’s _meta key, and leaves everything else', () => {
    const request = {
      jsonrpc: '2.0' as const,
      id: 1,
      method: 'tools/call',
      params: { name: 'x', _meta: { progressToken: 5, [PEER_META_KEY]: { spiffe: 'spiffe://evil' } } },
    };
    expect(dropClaimedPeer(ctx, request)).toEqual({ ...request, params: { name: 'x', _meta: { progressToken: 5 } } });
  });

  it('returns the same object when there is nothing to drop', () => {
    const request = { jsonrpc: '2.0' as const, id: 1, method: 'tools/list', params: { _meta: { progressToken: 1 } } };
    expect(dropClaimedPeer(ctx, request)).toBe(request);
  });
});
