// The identity stage: one identity per request, from exactly one source, strongest first: the verified client
// certificate; else x-forwarded-client-cert or l5d-client-id, believed only from a --trusted-proxies peer; else a
// bearer token (--auth token|jwt); else anonymous, which --auth token|jwt refuses with 401. Headers that claim an
// identity are removed from every request once read (from an untrusted peer: unread), and so is the bearer token:
// nothing the client said about who it is travels further. With --policy, the caller's access is looked up here.

import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';

import { ANONYMOUS, type Access, type Identity } from '../../context.ts';
import { HttpRefusal, refuse } from '../../errors.ts';
import type { BearerCheck, BearerVerifier } from '../../identity/bearer.ts';
import { identityOfCertificate } from '../../identity/certificate.ts';
import type { AddressMatcher } from '../../identity/cidr.ts';
import { bearerToken, identityOfLinkerd } from '../../identity/identity.ts';
import { identityOfXfcc, parseXfcc } from '../../identity/xfcc.ts';
import type { Exchange, Stage } from '../pipeline.ts';

export interface IdentitySettings {
  readonly trustedProxies: AddressMatcher;
  /** Set with --auth token|jwt: every request needs an identity, a token is checked with this. */
  readonly bearer: BearerVerifier | undefined;
  /** The RFC 9728 metadata URL announced in WWW-Authenticate, for this request. */
  readonly metadataUrl: (req: IncomingMessage) => string;
  /** With --policy: the caller's access. */
  readonly accessFor: ((identity: Identity) => Access) | undefined;
}

/** A verified certificate's identity, worked out once per TLS connection (keep-alive requests reuse it). */
const certificates = new WeakMap<object, Identity | null>();

function certificateIdentity(req: IncomingMessage): Identity | undefined {
  const socket = req.socket as Partial<TLSSocket>;
  if (socket.authorized !== true) return undefined;
  let identity = certificates.get(socket);
  if (identity === undefined) {
    const cert = socket.getPeerX509Certificate?.();
    identity = cert ? identityOfCertificate(cert) : null;
    certificates.set(socket, identity);
  }
  return identity ?? undefined;
}

const single = (value: string | string[] | undefined): string | undefined =>
  Array.isArray(value) ? value.join(',') : value;

/** The mesh proxy's word on the caller (XFCC first, then Linkerd), or why it cannot be read. */
function meshIdentity(headers: IncomingHttpHeaders): Identity | HttpRefusal | undefined {
  const xfcc = single(headers['x-forwarded-client-cert']);
  if (xfcc !== undefined) {
    const parsed = parseXfcc(xfcc);
    if (!parsed.ok) return refuse.forwardedIdentity(parsed.error);
    return (
      identityOfXfcc(parsed.elements) ?? refuse.forwardedIdentity('its last element names no URI, DNS, Subject or Hash')
    );
  }
  const linkerd = single(headers['l5d-client-id']);
  return linkerd === undefined ? undefined : identityOfLinkerd(linkerd);
}

function forget(headers: IncomingHttpHeaders, consumedToken: boolean): void {
  if (headers['x-forwarded-client-cert'] !== undefined) delete headers['x-forwarded-client-cert'];
  if (headers['l5d-client-id'] !== undefined) delete headers['l5d-client-id'];
  if (consumedToken && headers.authorization !== undefined) delete headers.authorization;
}

export function identityStage(settings: IdentitySettings): Stage {
  const settle = (exchange: Exchange, identity: Identity): undefined => {
    exchange.identity = identity;
    exchange.access = settings.accessFor?.(identity);
    return undefined;
  };
  const checked = (exchange: Exchange, check: BearerCheck): HttpRefusal | undefined => {
    if (check.ok) return settle(exchange, check.identity);
    if (check.unavailable) return refuse.authUnavailable(check.reason);
    return refuse.invalidToken(check.reason, settings.metadataUrl(exchange.req));
  };
  return {
    name: 'identity',
    run: (exchange) => {
      const { req } = exchange;
      const headers = req.headers;
      const token = settings.bearer ? bearerToken(headers.authorization) : undefined;
      let identity = certificateIdentity(req);
      if (!identity && settings.trustedProxies(req.socket.remoteAddress)) {
        const mesh = meshIdentity(headers);
        if (mesh instanceof HttpRefusal) return mesh;
        identity = mesh;
      }
      forget(headers, settings.bearer !== undefined);
      if (identity || !settings.bearer) return settle(exchange, identity ?? ANONYMOUS);
      if (token === undefined) return refuse.unauthorized(settings.metadataUrl(req));
      const check = settings.bearer.verify(token);
      return check instanceof Promise ? check.then((result) => checked(exchange, result)) : checked(exchange, check);
    },
  };
}
