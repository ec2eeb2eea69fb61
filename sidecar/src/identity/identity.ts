// Small pure pieces of "who is calling": Linkerd's client id, the bearer token of an Authorization header, the name
// a caller goes by (sessions are bound to it; denials and logs show it), and the peer object the server receives.

import type { Identity } from '../context.ts';

/** The `_meta` key under which every request forwarded upstream carries its caller (README: "Identity and access"). */
export const PEER_META_KEY = 'io.mcp-sidecar/peer';

/** Linkerd's `l5d-client-id` (e.g. `web.emojivoto.serviceaccount.identity.linkerd.cluster.local`): a DNS name. */
export function identityOfLinkerd(clientId: string): Identity | undefined {
  const id = clientId.trim().toLowerCase();
  return /^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$/.test(id) ? { source: 'l5d', dns: [id] } : undefined;
}

/** The token of `Authorization: Bearer <token>` (RFC 6750 b64token; the scheme is case-insensitive). */
export function bearerToken(authorization: string | undefined): string | undefined {
  if (authorization === undefined) return undefined;
  const match = /^bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(authorization);
  return match?.[1];
}

/**
 * The name a caller goes by: its SPIFFE ID, else its certificate subject or first DNS name, else its token's sub.
 * A certificate renewed for the same workload keeps the name, so its sessions stay its own.
 */
export function callerName(identity: Identity): string {
  return identity.spiffe ?? identity.subject ?? identity.dns?.[0] ?? identity.sub ?? identity.certHash ?? 'anonymous';
}

/** Sessions are bound to this: whether the caller came with a certificate (or mesh identity) or a token, and its name. */
export function principalOf(identity: Identity): string {
  if (identity.source === 'anonymous') return 'anonymous';
  const family = identity.source === 'jwt' || identity.source === 'token' ? 'bearer' : 'peer';
  return `${family}:${callerName(identity)}`;
}

/** The contract object sent to the server: the identity without bridge-internal fields. */
export function peerOf(identity: Identity): Omit<Identity, 'claims'> {
  if (identity.claims === undefined) return identity;
  const { claims: _claims, ...peer } = identity;
  return peer;
}
