// Certificates for the webhook's HTTPS endpoint: a CA, serving certificates it signs, and the checks that decide
// whether a stored certificate can still be served. ECDSA P-256 keys, SHA-256 signatures (the selfsigned package).

import type { KeyPair } from '@mcp-sidecar/edge';
import { generate } from 'selfsigned';

// The checks on a pair live with the TLS file watching in @mcp-sidecar/edge, which the bridge uses too.
export { assertUsable, certificateProblem, type KeyPair, notAfter } from '@mcp-sidecar/edge';

/** What an HTTPS server needs, plus the CA that signed it when the injector made it. */
export interface TlsMaterial extends KeyPair {
  readonly ca?: string;
}

const DAY_MS = 86_400_000;
export const CA_VALIDITY_DAYS = 3650;
export const SERVING_VALIDITY_DAYS = 365;

const until = (days: number, now: Date): Date => new Date(now.getTime() + days * DAY_MS);

export async function generateCa(commonName: string, now = new Date()): Promise<KeyPair> {
  const pems = await generate([{ name: 'commonName', value: commonName }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notBeforeDate: new Date(now.getTime() - 60_000),
    notAfterDate: until(CA_VALIDITY_DAYS, now),
    extensions: [
      { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    ],
  });
  return { cert: pems.cert, key: pems.private };
}

export interface ServingNames {
  readonly dnsNames: readonly string[];
  readonly ipAddresses?: readonly string[];
}

export async function issueServingCert(ca: KeyPair, names: ServingNames, now = new Date()): Promise<KeyPair> {
  const altNames = [
    ...names.dnsNames.map((value) => ({ type: 2 as const, value })),
    ...(names.ipAddresses ?? []).map((ip) => ({ type: 7 as const, ip })),
  ];
  const pems = await generate([{ name: 'commonName', value: names.dnsNames[0] ?? 'mcp-injector' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    // A minute of slack for clocks that run slightly behind the issuer's.
    notBeforeDate: new Date(now.getTime() - 60_000),
    notAfterDate: until(SERVING_VALIDITY_DAYS, now),
    ca: { cert: ca.cert, key: ca.key },
    extensions: [
      { name: 'basicConstraints', cA: false, critical: true },
      { name: 'keyUsage', digitalSignature: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames },
    ],
  });
  return { cert: pems.cert, key: pems.private };
}

/** The names the API server may use for `<svc>.<ns>.svc`; the certificate must carry all of them. */
export function serviceDnsNames(service: string, namespace: string): string[] {
  return [
    service,
    `${service}.${namespace}`,
    `${service}.${namespace}.svc`,
    `${service}.${namespace}.svc.cluster.local`,
  ];
}

/** An in-memory CA and a certificate for the loopback names: `serve --self-signed`. */
export async function generateSelfSigned(): Promise<TlsMaterial> {
  const ca = await generateCa('mcp-injector self-signed CA');
  const names = { dnsNames: ['localhost'], ipAddresses: ['127.0.0.1', '::1'] };
  const serving = await issueServingCert(ca, names);
  return { ...serving, ca: ca.cert };
}
