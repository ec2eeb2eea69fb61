// The identity in a verified client certificate: SPIFFE ID (URI SAN), subject (RFC 4514), DNS SANs, and the
// SHA-256 of the certificate. Pure: reads an X509Certificate, does no I/O.

import type { X509Certificate } from 'node:crypto';

import type { Identity } from '../context.ts';

/**
 * Node's subjectAltName: `DNS:a.example, URI:spiffe://td/ns/x/sa/y, IP Address:10.0.0.1`. Since Node 17.3 an entry
 * whose value holds a separator is written as `KEY:"json string"`; both forms are read here.
 */
export function subjectAltNames(text: string | undefined): [string, string][] {
  const names: [string, string][] = [];
  const pattern = /\s*([A-Za-z ]+):("(?:[^"\\]|\\.)*"|[^,]*)(?:,|$)/gy;
  for (let match = pattern.exec(text ?? ''); match && match[0] !== ''; match = pattern.exec(text ?? '')) {
    const raw = match[2]!;
    names.push([match[1]!.trim(), raw.startsWith('"') ? (JSON.parse(raw) as string) : raw]);
  }
  return names;
}

/** Node prints the subject one attribute per line, most general first and RFC 4514 escapes applied; RFC 4514 order is most specific first. */
export const rfc4514Subject = (subject: string): string => subject.split('\n').filter(Boolean).reverse().join(',');

export function identityOfCertificate(cert: X509Certificate): Identity {
  const names = subjectAltNames(cert.subjectAltName);
  const spiffe = names.find(([type, value]) => type === 'URI' && value.startsWith('spiffe://'))?.[1];
  const dns = names.filter(([type]) => type === 'DNS').map(([, value]) => value);
  const subject = rfc4514Subject(cert.subject);
  return {
    source: 'certificate',
    ...(spiffe ? { spiffe } : {}),
    ...(subject ? { subject } : {}),
    ...(dns.length > 0 ? { dns } : {}),
    certHash: cert.fingerprint256.replaceAll(':', '').toLowerCase(),
  };
}
