// Who may call the bridge and how it knows: TLS, trusted proxies, tokens, access policy (see sidecar/src/identity).
// The injector renders these from pod annotations (webhook/README.md), so their names and values are a contract.

import { fail, ok, option, type OptionSpec, type Parsed, parseChoice } from '@mcp-sidecar/cli';

export const TLS_CLIENT_AUTH_MODES = ['none', 'optional', 'require'] as const;
export type TlsClientAuth = (typeof TLS_CLIENT_AUTH_MODES)[number];

export const AUTH_MODES = ['none', 'token', 'jwt'] as const;
export type AuthMode = (typeof AUTH_MODES)[number];

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** IPv6 as the WHATWG URL parser accepts it inside brackets (pure, no node:net). */
function isIpv6(text: string): boolean {
  if (!/^[0-9A-Fa-f:.]+$/.test(text) || !text.includes(':')) return false;
  try {
    return new URL(`http://[${text}]/`).hostname.length > 2;
  } catch {
    return false;
  }
}

/** `10.0.0.0/8`, `::6/128`, or a bare address meaning that one host (/32 or /128). */
function parseCidr(item: string): Parsed<string> {
  const [address = '', prefix, extra] = item.split('/');
  const bits = IPV4.test(address) ? 32 : isIpv6(address) ? 128 : 0;
  if (bits === 0 || extra !== undefined) return fail(`"${item}" is not an IP address or CIDR`);
  if (prefix === undefined) return ok(item);
  const length = /^\d{1,3}$/.test(prefix) ? Number(prefix) : Number.NaN;
  return length <= bits ? ok(item) : fail(`"${item}": the prefix length must be 0 to ${bits}`);
}

export function parseCidrList(raw: string): Parsed<readonly string[]> {
  const items = raw
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
  const problems = items.map(parseCidr).flatMap((parsed) => (parsed.ok ? [] : [parsed.error]));
  if (problems.length > 0) return fail(`${problems.join('; ')}; expected CIDRs or addresses like 127.0.0.6/32,::6`);
  return ok(items);
}

const text = (hint: string, what: string): OptionSpec<string> =>
  option({ hint, default: '', description: what, parse: (raw) => ok(raw.trim()) });

export const IDENTITY_OPTIONS = {
  tlsCert: text('<file>', 'Serve the MCP port over TLS with this certificate (PEM), re-read when it changes.'),
  tlsKey: text('<file>', 'Private key (PEM) of --tls-cert.'),
  tlsClientCa: text('<file>', 'CA bundle (PEM) that client certificates are verified against.'),
  tlsClientAuth: option<TlsClientAuth>({
    hint: '<mode>',
    default: 'none',
    description: 'Client certificates: none, optional (verified when presented) or require (refused without one).',
    parse: (raw) => parseChoice(raw, TLS_CLIENT_AUTH_MODES),
  }),
  trustedProxies: option<readonly string[]>({
    hint: '<cidr,...>',
    default: [],
    description: 'Peers whose x-forwarded-client-cert or l5d-client-id headers are believed (CIDRs or addresses).',
    parse: parseCidrList,
    format: (value) => value.join(','),
  }),
  auth: option<AuthMode>({
    hint: '<mode>',
    default: 'none',
    description:
      'Bearer tokens: none, token (static tokens from --auth-token-file) or jwt (checked against --jwt-jwks).',
    parse: (raw) => parseChoice(raw, AUTH_MODES),
  }),
  authTokenFile: text('<file>', '--auth token: file of accepted tokens, re-read when it changes.'),
  jwtJwks: text('<file|url>', '--auth jwt: JWKS file or https URL of the keys that sign accepted tokens.'),
  jwtIssuer: text('<issuer>', '--auth jwt: required iss claim.'),
  jwtAudience: text('<audience>', '--auth jwt: required aud claim.'),
  policy: text('<file>', 'Access policy (JSON or YAML): which identities may use which tools, prompts, resources.'),
} as const;
