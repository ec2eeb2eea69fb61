// Identity, access and tracing annotations, rendered into the bridge: the Secrets and the ConfigMap they name become
// read-only volumes of the bridge (and only of the bridge), their files become the bridge's --tls-*, --auth-*, --jwt-*
// and --policy options, the OTLP endpoint becomes the standard OTEL_* variables, and a mesh in the pod adds
// --trusted-proxies (mesh.ts). Nothing is read at admission: a Secret or key that does not exist shows up as the pod
// waiting for its volume, and a file the bridge cannot use as the bridge exiting 2 with one line naming it.

import { ANNOTATIONS, type BridgeConfig, type ConfigMapKey } from '@mcp-sidecar/contract';

import { type Denial, deny } from './checks.ts';
import type { EnvVar, Volume, VolumeMount } from './pod.ts';
import { type Mesh, meshBridgeConfig } from './mesh.ts';
import type { IdentitySettings } from './settings.ts';
import { IDENTITY_VOLUMES } from './status.ts';

/** Readable by the bridge whatever its uid (only the bridge mounts these), writable by nobody. */
const READ_ONLY_MODE = 0o444;

/** Everything the identity annotations and the pod's mesh add to the bridge. */
export interface BridgeExtras {
  readonly args: Partial<BridgeConfig>;
  readonly env: readonly EnvVar[];
  readonly volumes: readonly Volume[];
  readonly mounts: readonly VolumeMount[];
  /** MCP_URL's scheme: the MCP port serves TLS when mcp.io/tls-secret is set. */
  readonly tls: boolean;
}

const secretVolume = (name: string, secretName: string): Volume => ({
  name,
  secret: { secretName, defaultMode: READ_ONLY_MODE },
});

const mountOf = (spec: { volume: string; dir: string }): VolumeMount => ({
  name: spec.volume,
  mountPath: spec.dir,
  readOnly: true,
});

/** TLS on the MCP port; the CA is passed only when client certificates are asked for (ca.crt of the same Secret). */
function tlsPart(identity: IdentitySettings): Partial<BridgeExtras> {
  if (identity.tlsSecret === undefined) return {};
  const { volume, dir } = IDENTITY_VOLUMES.tls;
  const clientAuth = identity.tlsClientAuth ?? 'none';
  const args: Partial<BridgeConfig> = {
    tlsCert: `${dir}/tls.crt`,
    tlsKey: `${dir}/tls.key`,
    ...(clientAuth === 'none' ? {} : { tlsClientCa: `${dir}/ca.crt`, tlsClientAuth: clientAuth }),
  };
  return { args, volumes: [secretVolume(volume, identity.tlsSecret)], mounts: [mountOf(IDENTITY_VOLUMES.tls)] };
}

function authPart(identity: IdentitySettings): Partial<BridgeExtras> {
  const { volume, dir } = IDENTITY_VOLUMES.auth;
  const mode = identity.auth ?? 'none';
  const args: Partial<BridgeConfig> =
    mode === 'token'
      ? { auth: mode, authTokenFile: `${dir}/tokens` }
      : mode === 'jwt'
        ? {
            auth: mode,
            jwtJwks: identity.jwtJwks ?? `${dir}/jwks.json`,
            ...(identity.jwtIssuer === undefined ? {} : { jwtIssuer: identity.jwtIssuer }),
            ...(identity.jwtAudience === undefined ? {} : { jwtAudience: identity.jwtAudience }),
          }
        : {};
  if (identity.authSecret === undefined || mode === 'none') return { args };
  return { args, volumes: [secretVolume(volume, identity.authSecret)], mounts: [mountOf(IDENTITY_VOLUMES.auth)] };
}

/** Only the named key is projected, so a missing key stops the pod at its volume instead of starting a bridge without a policy. */
function policyPart(policy: ConfigMapKey | undefined): Partial<BridgeExtras> {
  if (policy === undefined) return {};
  const { volume, dir } = IDENTITY_VOLUMES.policy;
  const configMap = { name: policy.name, items: [{ key: policy.key, path: policy.key }], defaultMode: READ_ONLY_MODE };
  return {
    args: { policy: `${dir}/${policy.key}` },
    volumes: [{ name: volume, configMap }],
    mounts: [mountOf(IDENTITY_VOLUMES.policy)],
  };
}

function tracingPart(endpoint: string | undefined, serviceName: string): Partial<BridgeExtras> {
  if (endpoint === undefined) return {};
  const env = [
    { name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: endpoint },
    { name: 'OTEL_SERVICE_NAME', value: serviceName },
  ];
  return { env };
}

export function bridgeExtras(identity: IdentitySettings, meshes: readonly Mesh[], serviceName: string): BridgeExtras {
  const mesh = meshBridgeConfig(meshes);
  const meshPart: Partial<BridgeExtras> = {
    args: mesh.trustedProxies.length > 0 ? { trustedProxies: mesh.trustedProxies } : {},
    env: mesh.env,
  };
  const parts = [
    tlsPart(identity),
    authPart(identity),
    policyPart(identity.policy),
    tracingPart(identity.otelEndpoint, serviceName),
    meshPart,
  ];
  return {
    args: Object.assign({}, ...parts.map((part) => part.args ?? {})) as Partial<BridgeConfig>,
    env: parts.flatMap((part) => part.env ?? []),
    volumes: parts.flatMap((part) => part.volumes ?? []),
    mounts: parts.flatMap((part) => part.mounts ?? []),
    tls: identity.tlsSecret !== undefined,
  };
}

const { tlsSecret, tlsClientAuth, auth, authSecret, jwtJwks, jwtAudience } = ANNOTATIONS;

/** Each rule: when it applies, the message (problem and fix) of the missing annotation. */
const REQUIREMENTS: readonly ((identity: IdentitySettings) => string | undefined)[] = [
  (identity) =>
    identity.tlsClientAuth !== undefined && identity.tlsClientAuth !== 'none' && identity.tlsSecret === undefined
      ? `annotation ${tlsClientAuth}="${identity.tlsClientAuth}" needs ${tlsSecret}: client certificates are verified ` +
        `against the ca.crt of that Secret, and the bridge serves TLS with its tls.crt and tls.key. Fix: set ` +
        `${tlsSecret}: "mcp-server-tls" (a Secret with tls.crt, tls.key and ca.crt, e.g. from cert-manager), or remove ${tlsClientAuth}`
      : undefined,
  (identity) =>
    identity.auth === 'token' && identity.authSecret === undefined
      ? `annotation ${auth}="token" needs ${authSecret}: the accepted tokens are read from its key "tokens". ` +
        `Fix: set ${authSecret}: "mcp-server-tokens" (a Secret with a key named tokens), or remove ${auth}`
      : undefined,
  (identity) =>
    identity.auth === 'jwt' && identity.jwtAudience === undefined
      ? `annotation ${auth}="jwt" needs ${jwtAudience}: the bridge listens on every address of the pod, so it cannot ` +
        `tell which URL clients use for it, and a token is accepted only for its own audience. Fix: set ` +
        `${jwtAudience}: "https://mcp.example.com/mcp" (the URL your clients use, as the tokens' aud claim says)`
      : undefined,
  (identity) =>
    identity.auth === 'jwt' && identity.jwtJwks === undefined && identity.authSecret === undefined
      ? `annotation ${auth}="jwt" needs the keys that sign accepted tokens. Fix: set ${jwtJwks}: ` +
        `"https://issuer.example.com/.well-known/jwks.json", or ${authSecret}: "mcp-server-jwks" (a Secret with a key named jwks.json)`
      : undefined,
];

/** An annotation that cannot work without another one: a denial naming both, with an example of the missing one. */
export function checkIdentity(identity: IdentitySettings): Denial | undefined {
  for (const requirement of REQUIREMENTS) {
    const message = requirement(identity);
    if (message !== undefined) return deny('missing_annotation', message);
  }
  return undefined;
}

/** Annotations that are valid but do nothing in this combination: admitted, with a warning kubectl prints. */
export function identityWarnings(identity: IdentitySettings): string[] {
  const jwt = identity.auth === 'jwt';
  const unused = [
    identity.authSecret !== undefined && identity.auth !== 'token' && !jwt ? ANNOTATIONS.authSecret : undefined,
    identity.jwtJwks !== undefined && !jwt ? ANNOTATIONS.jwtJwks : undefined,
    identity.jwtIssuer !== undefined && !jwt ? ANNOTATIONS.jwtIssuer : undefined,
    identity.jwtAudience !== undefined && !jwt ? ANNOTATIONS.jwtAudience : undefined,
  ].filter((name): name is NonNullable<typeof name> => name !== undefined);
  return unused.map(
    (name) =>
      `${name} is ignored: it applies only with ${ANNOTATIONS.auth}: ${name === ANNOTATIONS.authSecret ? '"token" or "jwt"' : '"jwt"'}`,
  );
}
