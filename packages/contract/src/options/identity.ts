// Who may call the bridge and how it knows: TLS, trusted proxies, tokens, access policy (see sidecar/src/identity).

import { fail, ok, option, type OptionSpec, type Parsed, parseChoice, parseList } from '@mcp-sidecar/cli';

import { parseCidrList } from '../cidr.ts';

export const TLS_CLIENT_AUTH = ['none', 'optional', 'require'] as const;
export type TlsClientAuth = (typeof TLS_CLIENT_AUTH)[number];

export const AUTH_MODES = ['none', 'token', 'jwt'] as const;
export type AuthMode = (typeof AUTH_MODES)[number];

/** Asymmetric JWS algorithms only: `none` and the HMAC family (a shared secret in a JWKS) are never accepted. */
export const JWT_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
];

const file = (what: string): OptionSpec<string | null> =>
  option<string | null>({
    hint: '<file>',
    default: null,
    description: what,
    // Empty means unset (as for a variable set to ''), so rendered defaults parse back.
    parse: (raw) => ok(raw.trim() === '' ? null : raw.trim()),
    format: (value) => value ?? '',
  });

const text = (hint: string, what: string): OptionSpec<string | null> =>
  option<string | null>({
    hint,
    default: null,
    description: what,
    parse: (raw) => ok(raw.trim() === '' ? null : raw.trim()),
    format: (value) => value ?? '',
  });

function parseAlgorithms(raw: string): Parsed<readonly string[]> {
  const listed = parseList(raw);
  if (!listed.ok) return listed;
  const unknown = listed.value.filter((alg) => !JWT_ALGORITHMS.includes(alg));
  if (listed.value.length === 0) return fail(`expected some of ${JWT_ALGORITHMS.join(', ')}`);
  if (unknown.length > 0) return fail(`${unknown.join(', ')} not accepted; choose from ${JWT_ALGORITHMS.join(', ')}`);
  return ok(listed.value);
}

export const IDENTITY_OPTIONS = {
  tlsCert: file('Serve the MCP port over TLS (1.2+) with this PEM certificate (chain); re-read when it changes.'),
  tlsKey: file('PEM private key of --tls-cert; re-read when it changes.'),
  tlsClientCa: file('PEM CA bundle that verifies client certificates (mTLS); re-read when it changes.'),
  tlsClientAuth: option<TlsClientAuth>({
    hint: '<mode>',
    default: 'none',
    description: 'Client certificates: none, optional (verified when sent), require (refused at the handshake).',
    parse: (raw) => parseChoice(raw, TLS_CLIENT_AUTH),
  }),
  trustedProxies: option<readonly string[]>({
    hint: '<cidr,...>',
    default: [],
    description: 'Peers whose x-forwarded-client-cert / l5d-client-id is believed (Istio: 127.0.0.6/32,::6/128).',
    parse: parseCidrList,
    format: (value) => value.join(','),
  }),
  auth: option<AuthMode>({
    hint: '<mode>',
    default: 'none',
    description: 'Bearer tokens: none, token (--auth-token-file), jwt (--jwt-jwks). Callers without one get 401.',
    parse: (raw) => parseChoice(raw, AUTH_MODES),
  }),
  authTokenFile: file('--auth token: one "<name> <token>" (or "<token>") per line; re-read when it changes.'),
  jwtJwks: text('<file|url>', '--auth jwt: the JWKS that signs tokens: a file (re-read on change) or an http(s) URL.'),
  jwtIssuer: text('<iss>', '--auth jwt: the required iss claim; also announced as the authorization server.'),
  jwtAudience: text('<aud>', "--auth jwt: the required aud claim. Default: this endpoint's URL."),
  jwtAlgorithms: option<readonly string[]>({
    hint: '<alg,...>',
    default: JWT_ALGORITHMS,
    description: '--auth jwt: accepted signature algorithms (never none or HS*).',
    parse: parseAlgorithms,
    format: (value) => value.join(','),
  }),
  policy: file('Access policy (JSON or YAML): which callers may use which tools, prompts, resources.'),
} as const;

type IdentityConfig = {
  readonly [K in keyof typeof IDENTITY_OPTIONS]: (typeof IDENTITY_OPTIONS)[K] extends OptionSpec<infer T> ? T : never;
} & { readonly host: string };

/** Options that only make sense together, each mistake worded with its fix. */
export function checkIdentityChoice(config: IdentityConfig): string | undefined {
  if ((config.tlsCert === null) !== (config.tlsKey === null)) return '--tls-cert and --tls-key go together; give both';
  if (config.tlsClientCa !== null && config.tlsCert === null) return '--tls-client-ca needs --tls-cert and --tls-key';
  if (config.tlsClientAuth !== 'none' && config.tlsClientCa === null) {
    return `--tls-client-auth ${config.tlsClientAuth} needs --tls-client-ca, the CA that issues client certificates`;
  }
  if (config.tlsClientCa !== null && config.tlsClientAuth === 'none') {
    return '--tls-client-ca is given but --tls-client-auth is none; set --tls-client-auth optional or require';
  }
  if (config.auth === 'token' && config.authTokenFile === null) return '--auth token needs --auth-token-file';
  if (config.auth === 'jwt' && config.jwtJwks === null) return '--auth jwt needs --jwt-jwks (a file or an https URL)';
  const wildcard = config.host === '0.0.0.0' || config.host === '::' || config.host === '[::]';
  if (config.auth === 'jwt' && config.jwtAudience === null && wildcard) {
    return `--auth jwt on ${config.host} needs --jwt-audience: the URL clients use to reach this endpoint`;
  }
  return undefined;
}
