// Bearer tokens: JWTs checked against a JWKS (file or URL) for issuer, audience (default: this endpoint's URL),
// expiry and algorithm, and static tokens from a file re-read when it changes. A missing or bad token gets 401 with
// the WWW-Authenticate the MCP authorization spec asks for, and the RFC 9728 metadata document is served.

import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import type { BridgeConfig } from '@mcp-sidecar/contract';

import type { Bridge } from '../src/bridge.ts';
import { fixtureCommand, startInProcess, waitFor } from '../../test/helpers/bridge-process.ts';
import { initializeRequest, MCP_HEADERS, readAnswer } from '../../test/helpers/mcp-http.ts';
import { Closer, makeTempDir } from '../../test/helpers/sdk-clients.ts';

const ISSUER = 'https://issuer.test';
const closer = new Closer();
let dir: { path: string; remove(): Promise<void> };
type Key = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
let signingKey: Key;
let strangerKey: Key;
let jwksFile: string;
let jwks: { keys: JWK[] };

beforeAll(async () => {
  dir = await makeTempDir('auth');
  const pair = await generateKeyPair('ES256');
  signingKey = pair.privateKey;
  strangerKey = (await generateKeyPair('ES256')).privateKey;
  jwks = { keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' }] };
  jwksFile = `${dir.path}/jwks.json`;
  writeFileSync(jwksFile, JSON.stringify(jwks));
});
afterEach(() => closer.closeAll());
afterAll(() => dir.remove());

const start = async (overrides: Partial<BridgeConfig>): Promise<Bridge> =>
  closer.add(await startInProcess({ shutdownGrace: 100, ...overrides }, fixtureCommand('meta-echo-server.ts')), (b) =>
    b.close(),
  );

interface TokenSpec {
  aud: string;
  iss?: string;
  expiresIn?: number;
  kid?: string;
  key?: Key;
}
const jwt = ({ aud, iss = ISSUER, expiresIn = 300, kid = 'k1', key = signingKey }: TokenSpec) =>
  new SignJWT({ scope: 'tools:read tools:call', team: 'agents' })
    .setProtectedHeader({ alg: 'ES256', kid })
    .setSubject('alice')
    .setIssuer(iss)
    .setAudience(aud)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + expiresIn)
    .sign(key);

const b64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
const unsigned = (aud: string) =>
  `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url({ sub: 'alice', iss: ISSUER, aud, exp: Math.floor(Date.now() / 1000) + 300 })}.`;

const initialize = (url: string, token?: string) =>
  fetch(url, {
    method: 'POST',
    headers: { ...MCP_HEADERS, ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) },
    body: JSON.stringify(initializeRequest()),
  });

const metadataUrlOf = (url: string) => `${new URL(url).origin}/.well-known/oauth-protected-resource/mcp`;

describe('--auth jwt', () => {
  it('valid → 200 and the server sees sub and scopes (no claims); missing, expired, wrong aud/iss, alg none, unknown kid → 401', async () => {
    const bridge = await start({ auth: 'jwt', jwtJwks: jwksFile, jwtIssuer: ISSUER });
    const aud = bridge.url;
    const metadata = metadataUrlOf(aud);
    const ok = await initialize(aud, await jwt({ aud }));
    expect(ok.status).toBe(200);
    const session = ok.headers.get('mcp-session-id')!;
    await ok.text();
    const call = { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'whoami', arguments: {} } };
    const headers = { ...MCP_HEADERS, 'mcp-session-id': session, authorization: `Bearer ${await jwt({ aud })}` };
    const answer = await readAnswer(await fetch(aud, { method: 'POST', headers, body: JSON.stringify(call) }));
    const meta = JSON.parse((answer.result!['content'] as { text: string }[])[0]!.text) as Record<string, unknown>;
    expect(meta['io.mcp-sidecar/peer']).toEqual({ source: 'jwt', sub: 'alice', scopes: ['tools:read', 'tools:call'] });

    const missing = await initialize(aud);
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe(`Bearer resource_metadata="${metadata}"`);
    const cases: [string, string, RegExp][] = [
      ['expired', await jwt({ aud, expiresIn: -120 }), /has expired/],
      ['wrong audience', await jwt({ aud: 'https://elsewhere.test/mcp' }), /audience is not/],
      ['wrong issuer', await jwt({ aud, iss: 'https://evil.test' }), /issuer is not/],
      ['alg none', unsigned(aud), /not a valid signed JWT|algorithm/],
      ['unknown kid', await jwt({ aud, kid: 'k2', key: strangerKey }), /no key in the JWKS/],
    ];
    for (const [what, token, reason] of cases) {
      const refused = await initialize(aud, token);
      expect(refused.status, what).toBe(401);
      const challenge = refused.headers.get('www-authenticate') ?? '';
      expect(challenge, what).toMatch(/^Bearer error="invalid_token", error_description="[^"]+", resource_metadata="/);
      expect(challenge, what).toMatch(reason);
      expect(challenge, what).toContain(`resource_metadata="${metadata}"`);
      expect(((await refused.json()) as { error: { message: string } }).error.message, what).toMatch(reason);
    }
  });

  it('serves the protected-resource metadata at both well-known paths', async () => {
    const bridge = await start({ auth: 'jwt', jwtJwks: jwksFile, jwtIssuer: ISSUER });
    const origin = new URL(bridge.url).origin;
    for (const path of ['/.well-known/oauth-protected-resource', '/.well-known/oauth-protected-resource/mcp']) {
      const response = await fetch(`${origin}${path}`);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({
        resource: bridge.url,
        authorization_servers: [ISSUER],
        bearer_methods_supported: ['header'],
        resource_name: 'mcp-sidecar',
      });
    }
  });

  it('reads the JWKS from a URL, with an explicit --jwt-audience', async () => {
    const server = createServer((_req, res) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(jwks)),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closer.add(server, (s) => new Promise((resolve) => s.close(resolve)));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
    const bridge = await start({ auth: 'jwt', jwtJwks: url, jwtAudience: 'api://tools' });
    const ok = await initialize(bridge.url, await jwt({ aud: 'api://tools' }));
    expect(ok.status).toBe(200);
    await ok.text();
    expect((await initialize(bridge.url, await jwt({ aud: bridge.url }))).status).toBe(401);
  });
});

describe('--auth token', () => {
  it('accepts the file’s tokens, refuses others with invalid_token, and picks up a changed file', async () => {
    const file = `${dir.path}/tokens`;
    writeFileSync(file, 'ci first-token-0001\n');
    const bridge = await start({ auth: 'token', authTokenFile: file });
    expect((await initialize(bridge.url, 'first-token-0001')).status).toBe(200);
    const refused = await initialize(bridge.url, 'second-token-0002');
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token"/);
    writeFileSync(file, 'ci second-token-0002\n');
    await waitFor(
      async () => ((await initialize(bridge.url, 'second-token-0002')).status === 200 ? true : undefined),
      2_000,
      () => 'the changed token file was not picked up within 2 s',
    );
    expect((await initialize(bridge.url, 'first-token-0001')).status).toBe(401);
  });
});
