// Identity headers of a mesh proxy in front of the bridge: x-forwarded-client-cert (Envoy/Istio) and l5d-client-id
// (Linkerd) are believed only from a --trusted-proxies peer (this test tells the bridge to trust 127.0.0.1, where
// its own requests come from), and are ignored and removed from every request otherwise.

import type { IncomingMessage } from 'node:http';

import { afterEach, describe, expect, it } from 'vitest';

import type { BridgeConfig } from '@mcp-sidecar/contract';

import { identityStage } from '../src/http/stages/identity.ts';
import { exchangeOf } from '../src/http/pipeline.ts';
import { addressMatcher } from '../src/identity/cidr.ts';
import { fixtureCommand, startInProcess } from '../../test/helpers/bridge-process.ts';
import { initializeRequest, MCP_HEADERS, readAnswer } from '../../test/helpers/mcp-http.ts';
import { Closer } from '../../test/helpers/sdk-clients.ts';

const PEER = 'io.mcp-sidecar/peer';
const XFCC =
  'By=spiffe://cluster.local/ns/tools/sa/mcp;Hash=deadbeef;URI=spiffe://cluster.local/ns/edge/sa/gateway,' +
  'By=spiffe://cluster.local/ns/tools/sa/mcp;Hash=C0FFEE;Subject="CN=agent \\"7\\",O=Acme\\, Inc.";' +
  'URI=spiffe://cluster.local/ns/agents/sa/agent-7;DNS=agent-7.agents.svc';
const closer = new Closer();
afterEach(() => closer.closeAll());

/** What the server saw as the caller of a whoami call, in a session opened and used with `headers`. */
async function peerSeen(overrides: Partial<BridgeConfig>, headers: Record<string, string>): Promise<unknown> {
  const bridge = closer.add(
    await startInProcess({ shutdownGrace: 100, ...overrides }, fixtureCommand('meta-echo-server.ts')),
    (b) => b.close(),
  );
  const init = await fetch(bridge.url, {
    method: 'POST',
    headers: { ...MCP_HEADERS, ...headers },
    body: JSON.stringify(initializeRequest()),
  });
  const session = init.headers.get('mcp-session-id')!;
  await readAnswer(init);
  const call = { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'whoami', arguments: {} } };
  const answer = await readAnswer(
    await fetch(bridge.url, {
      method: 'POST',
      headers: { ...MCP_HEADERS, ...headers, 'mcp-session-id': session },
      body: JSON.stringify(call),
    }),
  );
  const text = (answer.result?.['content'] as { text: string }[])[0]!.text;
  return (JSON.parse(text) as Record<string, unknown>)[PEER];
}

describe('mesh identity headers', () => {
  it('XFCC from a trusted peer: several elements, escapes, the last element is the caller', async () => {
    expect(await peerSeen({ trustedProxies: ['127.0.0.1/32'] }, { 'x-forwarded-client-cert': XFCC })).toEqual({
      source: 'xfcc',
      spiffe: 'spiffe://cluster.local/ns/agents/sa/agent-7',
      subject: 'CN=agent "7",O=Acme, Inc.',
      dns: ['agent-7.agents.svc'],
      certHash: 'c0ffee',
    });
  });

  it('l5d-client-id from a trusted peer', async () => {
    const id = 'web.emojivoto.serviceaccount.identity.linkerd.cluster.local';
    expect(await peerSeen({ trustedProxies: ['::1/128', '127.0.0.0/8'] }, { 'l5d-client-id': id })).toEqual({
      source: 'l5d',
      dns: [id],
    });
  });

  it('from an untrusted peer both headers are ignored: the caller is anonymous', async () => {
    const headers = { 'x-forwarded-client-cert': XFCC, 'l5d-client-id': 'web.ns.serviceaccount.identity.x' };
    expect(await peerSeen({ trustedProxies: ['127.0.0.6/32', '::6/128'] }, headers)).toEqual({ source: 'anonymous' });
  });
});

describe('the identity stage', () => {
  const request = (remoteAddress: string, headers: Record<string, string>) =>
    ({ headers: { ...headers }, socket: { remoteAddress } }) as unknown as IncomingMessage;
  const stage = identityStage({
    trustedProxies: addressMatcher(['127.0.0.6/32']),
    bearer: undefined,
    metadataUrl: () => 'unused',
    accessFor: undefined,
  });
  const identityHeaders = { 'x-forwarded-client-cert': XFCC, 'l5d-client-id': 'a.b', authorization: 'Bearer t' };

  it('removes identity headers from every request, trusted or not, and leaves a token it does not use', () => {
    for (const address of ['127.0.0.6', '10.1.2.3']) {
      const req = request(address, identityHeaders);
      const exchange = exchangeOf(req, {} as never, 'mcp', '');
      expect(stage.run(exchange)).toBeUndefined();
      expect(Object.keys(req.headers)).toEqual(['authorization']);
      expect(exchange.identity.source).toBe(address === '127.0.0.6' ? 'xfcc' : 'anonymous');
    }
  });

  it('refuses an XFCC it cannot read from a trusted peer (400), instead of guessing', () => {
    const exchange = exchangeOf(
      request('127.0.0.6', { 'x-forwarded-client-cert': 'URI="open' }),
      {} as never,
      'mcp',
      '',
    );
    expect(stage.run(exchange)).toMatchObject({ code: 'bad_forwarded_identity', status: 400 });
  });
});
