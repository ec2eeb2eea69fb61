// Checks on a certificate and key before they are served: do they load together, when does the certificate expire,
// and is it still fit to serve (key match, remaining validity, names, issuer).

import { createPrivateKey, X509Certificate } from 'node:crypto';
import { createSecureContext } from 'node:tls';

export interface KeyPair {
  readonly cert: string;
  readonly key: string;
}

export function notAfter(certPem: string): Date {
  return new X509Certificate(certPem).validToDate;
}

/** Throws when key and certificate (and CA bundle, if any) do not parse or belong together (e.g. caught mid-write). */
export function assertUsable(material: KeyPair & { readonly ca?: string }): void {
  createSecureContext({ cert: material.cert, key: material.key, ca: material.ca });
}

/** Why `pair` must not be served any more, or undefined when it is fine for at least `minRemainingMs`. */
export function certificateProblem(
  pair: KeyPair,
  options: { ca?: KeyPair; dnsNames?: readonly string[]; now: Date; minRemainingMs: number },
): string | undefined {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(pair.cert);
    if (!cert.checkPrivateKey(createPrivateKey(pair.key))) return 'the key does not match the certificate';
  } catch (error) {
    return `it does not parse (${error instanceof Error ? error.message : String(error)})`;
  }
  if (cert.validToDate.getTime() - options.now.getTime() < options.minRemainingMs) {
    return `it expires on ${cert.validToDate.toISOString()}`;
  }
  const sans = (cert.subjectAltName ?? '').split(', ').map((entry) => entry.replace(/^DNS:/, ''));
  const missing = (options.dnsNames ?? []).filter((name) => !sans.includes(name));
  if (missing.length > 0) return `it lacks the names ${missing.join(', ')}`;
  const ca = options.ca ? new X509Certificate(options.ca.cert) : undefined;
  if (ca && !(cert.checkIssued(ca) && cert.verify(ca.publicKey))) return 'it was not issued by the stored CA';
  return undefined;
}
