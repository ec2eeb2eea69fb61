// --auth jwt: tokens checked with jose against a JWKS (a file re-read when it changes, or a URL jose fetches and
// caches, refetching when a token names a key id it has not seen), for the configured issuer, audience and
// algorithms, with expiry. jose is imported only when JWT auth is on, so the bridge otherwise never loads it.

import type { JWTPayload, JWTVerifyGetKey } from 'jose';

import { watchFiles } from '@mcp-sidecar/edge';

import type { Identity } from '../context.ts';
import type { BearerCheck, BearerVerifier } from './bearer.ts';

export interface JwtSettings {
  readonly jwks: string;
  readonly issuer: string | null;
  /** Read per token: the default, this endpoint's URL, is known only once the port is bound. */
  readonly audience: () => string;
  readonly algorithms: readonly string[];
  readonly pollMs: number;
  readonly onReloadError: (error: unknown) => void;
}

/** Clock skew allowed on exp and nbf, as most resource servers do. */
const CLOCK_TOLERANCE_S = 30;

const isUrl = (jwks: string): boolean => /^https?:\/\//i.test(jwks);

function identityOf(payload: JWTPayload): Identity {
  const scope = payload['scope'];
  const scp = payload['scp'];
  const scopes =
    typeof scope === 'string' ? scope.split(' ').filter(Boolean) : Array.isArray(scp) ? scp.map(String) : [];
  return {
    source: 'jwt',
    ...(typeof payload.sub === 'string' ? { sub: payload.sub } : {}),
    ...(scopes.length > 0 ? { scopes } : {}),
    claims: payload,
  };
}

/** What went wrong, worded for the WWW-Authenticate error_description and the log. */
function reasonOf(error: unknown, settings: JwtSettings): { reason: string; unavailable?: boolean } {
  const { code, claim } = error as { code?: string; claim?: string };
  switch (code) {
    case 'ERR_JWT_EXPIRED':
      return { reason: 'the token has expired' };
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      if (claim === 'aud') return { reason: `the token's audience is not ${settings.audience()}` };
      if (claim === 'iss') return { reason: `the token's issuer is not ${settings.issuer ?? '(any)'}` };
      return { reason: `the token's ${claim ?? 'claims'} claim is not valid` };
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
      return { reason: `the token's algorithm is not one of ${settings.algorithms.join(', ')}` };
    case 'ERR_JWKS_NO_MATCHING_KEY':
      return { reason: "no key in the JWKS matches the token's key id" };
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return { reason: 'the token signature does not verify' };
    case 'ERR_JWS_INVALID':
    case 'ERR_JWT_INVALID':
      return { reason: 'the token is not a valid signed JWT' };
    default:
      return { reason: `the JWKS could not be read (${(error as Error).message})`, unavailable: true };
  }
}

export async function jwtVerifier(settings: JwtSettings): Promise<BearerVerifier> {
  const jose = await import('jose');
  let keys: JWTVerifyGetKey;
  let close = () => undefined as void;
  if (isUrl(settings.jwks)) {
    keys = jose.createRemoteJWKSet(new URL(settings.jwks));
  } else {
    const watcher = watchFiles({
      files: [settings.jwks],
      pollMs: settings.pollMs,
      load: ([text = '']) => jose.createLocalJWKSet(JSON.parse(text) as Parameters<typeof jose.createLocalJWKSet>[0]),
      onChange: (next) => (keys = next),
      onError: settings.onReloadError,
    });
    keys = watcher.initial;
    close = watcher.close;
  }
  const options = {
    ...(settings.issuer === null ? {} : { issuer: settings.issuer }),
    algorithms: [...settings.algorithms],
    clockTolerance: CLOCK_TOLERANCE_S,
  };
  const verify = async (token: string): Promise<BearerCheck> => {
    try {
      const { payload } = await jose.jwtVerify(token, keys, { ...options, audience: settings.audience() });
      return { ok: true, identity: identityOf(payload) };
    } catch (error) {
      return { ok: false, ...reasonOf(error, settings) };
    }
  };
  return { verify, close };
}
