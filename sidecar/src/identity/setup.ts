// Assembles what the identity stage needs from the configuration: the trusted-proxy matcher, the bearer-token
// verifier (--auth token|jwt), the access policy (--policy) and the RFC 9728 protected-resource metadata. Files are
// read here at start-up, where a problem is a SetupError naming the flag and the file, and re-read when they change.

import type { IncomingMessage } from 'node:http';

import type { BridgeConfig } from '@mcp-sidecar/contract';
import { watchFiles } from '@mcp-sidecar/edge';

import { errorText, SetupError } from '../errors.ts';
import { METADATA_PATH } from '../http/resource-metadata.ts';
import type { IdentitySettings } from '../http/stages/identity.ts';
import { FILE_POLL_MS } from '../http/tls.ts';
import type { Logger } from '../log.ts';
import { loadPolicyFile, type PolicySource } from '../policy/policy-file.ts';
import { type BearerVerifier, parseTokenFile, staticTokenVerifier } from './bearer.ts';
import { addressMatcher } from './cidr.ts';

export interface IdentityParts {
  /** Undefined when no identity option is set: every caller is anonymous and the stage is left out. */
  readonly settings: IdentitySettings | undefined;
  /** The protected-resource metadata document (RFC 9728), served while --auth is token or jwt. */
  readonly metadata: (() => Record<string, unknown>) | undefined;
  close(): void;
}

async function atStartup<T>(flag: string, file: string, load: () => T | Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    throw new SetupError(`${flag} ${file}: ${errorText(error)}`, { cause: error });
  }
}

const reloadFailed = (log: Logger, flag: string) => (error: unknown) =>
  log.warn({ err: error }, `could not load the changed ${flag} file; still using the previous one`);

async function bearerFor(
  config: BridgeConfig,
  resource: () => string,
  log: Logger,
): Promise<BearerVerifier | undefined> {
  if (config.auth === 'token' && config.authTokenFile !== null) {
    const file = config.authTokenFile;
    const watcher = await atStartup('--auth-token-file', file, () =>
      watchFiles({
        files: [file],
        pollMs: FILE_POLL_MS,
        load: ([text = '']) => parseTokenFile(text),
        onChange: (entries) => (current = entries),
        onError: reloadFailed(log, '--auth-token-file'),
      }),
    );
    let current = watcher.initial;
    return staticTokenVerifier(() => current, watcher.close);
  }
  if (config.auth !== 'jwt' || config.jwtJwks === null) return undefined;
  const jwks = config.jwtJwks;
  const { jwtVerifier } = await import('./jwt.ts');
  return atStartup('--jwt-jwks', jwks, () =>
    jwtVerifier({
      jwks,
      issuer: config.jwtIssuer,
      audience: () => config.jwtAudience ?? resource(),
      algorithms: config.jwtAlgorithms,
      pollMs: FILE_POLL_MS,
      onReloadError: reloadFailed(log, '--jwt-jwks'),
    }),
  );
}

async function policyFor(config: BridgeConfig, log: Logger): Promise<PolicySource | undefined> {
  const file = config.policy;
  if (file === null) return undefined;
  return atStartup('--policy', file, () =>
    loadPolicyFile({
      file,
      pollMs: FILE_POLL_MS,
      onChange: (rules) => log.info({ policy: file, rules }, 'access policy reloaded'),
      onError: reloadFailed(log, '--policy'),
    }),
  );
}

/** `resource` is this endpoint's URL (known once the port is bound). */
export async function startIdentity(config: BridgeConfig, resource: () => string, log: Logger): Promise<IdentityParts> {
  const [bearer, policy] = await Promise.all([bearerFor(config, resource, log), policyFor(config, log)]);
  const scheme = config.tlsCert === null ? 'http' : 'https';
  // The Host the client used (so the URL is one it can reach), when it is a plain host[:port]; else the endpoint's.
  const hostOf = (req: IncomingMessage) => {
    const host = req.headers.host;
    return host !== undefined && /^[A-Za-z0-9.:[\]-]+$/.test(host) ? host : new URL(resource()).host;
  };
  const metadataUrl = (req: IncomingMessage) => `${scheme}://${hostOf(req)}${METADATA_PATH}${config.path}`;
  const audience = () => config.jwtAudience ?? resource();
  const needed = config.tlsClientAuth !== 'none' || config.trustedProxies.length > 0 || !!bearer || !!policy;
  const settings: IdentitySettings = {
    trustedProxies: addressMatcher(config.trustedProxies),
    bearer,
    metadataUrl,
    accessFor: policy ? (identity) => policy.accessFor(identity) : undefined,
  };
  return {
    settings: needed ? settings : undefined,
    metadata: bearer
      ? () => ({
          resource: audience(),
          ...(config.jwtIssuer === null ? {} : { authorization_servers: [config.jwtIssuer] }),
          bearer_methods_supported: ['header'],
          resource_name: 'mcp-sidecar',
        })
      : undefined,
    close: () => {
      bearer?.close();
      policy?.close();
    },
  };
}
