import { describe, expect, it } from 'vitest';

import { encodeXfcc, messageHeaders } from '../../src/upstream/kinds/streamable-http/headers.ts';
import { PEER_META_KEY } from '../../src/identity/identity.ts';

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
