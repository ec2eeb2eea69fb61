// The pure pieces of "who is calling": Envoy's XFCC header (exact, with a property test against an encoder written
// here), CIDR blocks and peer addresses (IPv4, IPv6, IPv4-mapped), certificate identities, Linkerd ids, bearer
// headers, the static token file, the names sessions are bound to.

import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';

import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { addressBytes, cidrContains, parseCidr, parseCidrList } from '@mcp-sidecar/contract';

import { parseTokenFile, staticTokenVerifier } from '../../src/identity/bearer.ts';
import { identityOfCertificate, subjectAltNames } from '../../src/identity/certificate.ts';
import { addressMatcher } from '../../src/identity/cidr.ts';
import { bearerToken, identityOfLinkerd, peerOf, principalOf } from '../../src/identity/identity.ts';
import { identityOfXfcc, parseXfcc } from '../../src/identity/xfcc.ts';
import { makeCa, makeCert } from '../../../test/helpers/certs.ts';
import { makeTempDir } from '../../../test/helpers/sdk-clients.ts';

/** Envoy's way of writing a value: quoted when it holds `,` `;` `=` `"` (or is empty), with `"` and `\` escaped. */
const encodeValue = (value: string, alwaysQuote: boolean): string =>
  alwaysQuote || /[,;="\\]/.test(value) || value === '' ? `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"` : value;

type Pairs = [string, string][];
const encodeXfcc = (elements: Pairs[]): string =>
  elements.map((pairs) => pairs.map(([k, v]) => `${k}=${encodeValue(v, k === 'Subject')}`).join(';')).join(',');

describe('x-forwarded-client-cert', () => {
  it('reads several elements with quoted values and escaped , ; " and takes the last one as the caller', () => {
    const header =
      'By=spiffe://cluster.local/ns/edge/sa/gateway;Hash=AAAA;URI=spiffe://cluster.local/ns/web/sa/frontend,' +
      'By=spiffe://cluster.local/ns/tools/sa/mcp;Hash=0A1B2C;Subject="CN=agent \\"one\\",O=Acme\\, Inc.;OU=x";' +
      'URI=spiffe://cluster.local/ns/agents/sa/agent;DNS=agent.agents.svc;DNS="odd,name.example"';
    const parsed = parseXfcc(header);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.elements).toHaveLength(2);
    expect(identityOfXfcc(parsed.elements)).toEqual({
      source: 'xfcc',
      spiffe: 'spiffe://cluster.local/ns/agents/sa/agent',
      subject: 'CN=agent "one",O=Acme, Inc.;OU=x',
      dns: ['agent.agents.svc', 'odd,name.example'],
      certHash: '0a1b2c',
    });
  });

  it('refuses what it cannot read exactly', () => {
    for (const bad of [
      'URI="unterminated',
      'Subject="x"junk',
      'novalue',
      'URI=a"b',
      '=x',
      `URI=${'a'.repeat(70_000)}`,
    ]) {
      expect(parseXfcc(bad), bad).toMatchObject({ ok: false });
    }
  });

  it('parses whatever the encoder writes back to the same elements (property)', () => {
    const key = fc.constantFrom('By', 'Hash', 'Cert', 'Chain', 'Subject', 'URI', 'DNS');
    const value = fc.string({ unit: fc.constantFrom('a', 'Z', '0', ',', ';', '=', '"', '\\', ' ', '/', ':', 'é') });
    const element = fc.array(fc.tuple(key, value), { minLength: 1, maxLength: 6 });
    fc.assert(
      fc.property(fc.array(element, { minLength: 1, maxLength: 4 }), (elements) => {
        const parsed = parseXfcc(encodeXfcc(elements));
        if (!parsed.ok) throw new Error(parsed.error);
        const expected = elements.map((pairs) => {
          const map = new Map<string, string[]>();
          for (const [k, v] of pairs) map.set(k.toLowerCase(), [...(map.get(k.toLowerCase()) ?? []), v]);
          return map;
        });
        expect(parsed.elements).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });
});

describe('CIDR blocks and peer addresses', () => {
  it('matches IPv4, IPv6 and IPv4-mapped IPv6 peers', () => {
    const trusted = addressMatcher(['127.0.0.6/32', '::6/128', '10.0.0.0/9']);
    expect(trusted('127.0.0.6')).toBe(true);
    expect(trusted('::ffff:127.0.0.6')).toBe(true);
    expect(trusted('::6')).toBe(true);
    expect(trusted('10.127.255.1')).toBe(true);
    expect(trusted('10.128.0.1')).toBe(false);
    expect(trusted('127.0.0.1')).toBe(false);
    expect(trusted('::1')).toBe(false);
    expect(trusted(undefined)).toBe(false);
    expect(addressMatcher([])('127.0.0.6')).toBe(false);
  });

  it('reads IPv6 forms and refuses bad blocks with a message', () => {
    expect(addressBytes('1:2:3:4:5:6:1.2.3.4')).toEqual(
      Uint8Array.from([0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 1, 2, 3, 4]),
    );
    expect(addressBytes('fe80::1')?.length).toBe(16);
    for (const bad of ['1::2::3', '1.2.3', '256.0.0.1', 'fe80::1%eth0', '::6/129', '10.0.0.0/33', 'example.com']) {
      expect(parseCidr(bad), bad).toMatchObject({ ok: false });
    }
    const mapped = parseCidr('::ffff:10.0.0.0/104');
    expect(mapped.ok && cidrContains(mapped.value, addressBytes('10.1.2.3')!)).toBe(true);
    expect(parseCidrList('127.0.0.6/32, ::6/128')).toEqual({ ok: true, value: ['127.0.0.6/32', '::6/128'] });
    const bad = parseCidrList('127.0.0.6/32,nope');
    expect(!bad.ok && bad.error).toMatch(/"nope"/);
  });
});

describe('certificates', () => {
  let dir: { path: string; remove(): Promise<void> };
  beforeAll(async () => (dir = await makeTempDir('cert-identity')));
  afterAll(() => dir.remove());

  it('takes the SPIFFE URI SAN, RFC 4514 subject, DNS SANs and SHA-256 of a certificate', () => {
    const ca = makeCa(dir.path);
    const sans = ['DNS:a.example', 'URI:https://not-spiffe.example', 'URI:spiffe://td/ns/x/sa/y', 'IP:10.0.0.1'];
    const files = makeCert(dir.path, ca, { name: 'c', subject: '/O=Acme, Inc./CN=agent', sans, usage: 'client' });
    const cert = new X509Certificate(readFileSync(files.cert));
    expect(identityOfCertificate(cert)).toEqual({
      source: 'certificate',
      spiffe: 'spiffe://td/ns/x/sa/y',
      subject: 'CN=agent,O=Acme\\, Inc.',
      dns: ['a.example'],
      certHash: cert.fingerprint256.replaceAll(':', '').toLowerCase(),
    });
  });

  it("reads Node's quoted subjectAltName entries", () => {
    expect(subjectAltNames('DNS:a, URI:"spiffe://td/a,b", IP Address:10.0.0.1')).toEqual([
      ['DNS', 'a'],
      ['URI', 'spiffe://td/a,b'],
      ['IP Address', '10.0.0.1'],
    ]);
  });
});

describe('bearer tokens and names', () => {
  it('reads Authorization: Bearer, case-insensitively, and nothing else', () => {
    expect(bearerToken('Bearer abc.def-ghi_~+/=')).toBe('abc.def-ghi_~+/=');
    expect(bearerToken('bearer x')).toBe('x');
    expect(bearerToken('Basic dXNlcjpwYXNz')).toBeUndefined();
    expect(bearerToken('Bearer two words')).toBeUndefined();
    expect(bearerToken(undefined)).toBeUndefined();
  });

  it('checks static tokens from a file and names the bad line', () => {
    const entries = parseTokenFile('# agents\nci s3cr3t-ci\n\nanonymous-token-123\n');
    const verifier = staticTokenVerifier(
      () => entries,
      () => undefined,
    );
    expect(verifier.verify('s3cr3t-ci')).toEqual({ ok: true, identity: { source: 'token', sub: 'ci' } });
    expect(verifier.verify('anonymous-token-123')).toEqual({
      ok: true,
      identity: { source: 'token', sub: 'token-line-4' },
    });
    expect(verifier.verify('s3cr3t-c')).toMatchObject({ ok: false });
    expect(() => parseTokenFile('a b c\n')).toThrow(/line 1/);
    expect(() => parseTokenFile('# nothing\n')).toThrow(/no tokens/);
  });

  it('binds sessions to the caller by kind and name, and sends no claims upstream', () => {
    const jwt = { source: 'jwt' as const, sub: 'alice', claims: { sub: 'alice', secret: 1 } };
    expect(principalOf(jwt)).toBe('bearer:alice');
    expect(principalOf({ source: 'xfcc', spiffe: 'spiffe://td/a', certHash: 'aa' })).toBe('peer:spiffe://td/a');
    expect(principalOf({ source: 'certificate', spiffe: 'spiffe://td/a', certHash: 'bb' })).toBe('peer:spiffe://td/a');
    expect(principalOf({ source: 'anonymous' })).toBe('anonymous');
    expect(peerOf(jwt)).toEqual({ source: 'jwt', sub: 'alice' });
    expect(identityOfLinkerd('Web.emojivoto.serviceaccount.identity.linkerd.cluster.local')).toEqual({
      source: 'l5d',
      dns: ['web.emojivoto.serviceaccount.identity.linkerd.cluster.local'],
    });
    expect(identityOfLinkerd('not a name')).toBeUndefined();
  });
});
