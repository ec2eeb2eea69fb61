// Certificates made for a test with the openssl CLI (no shell): a CA, and server or client certificates it signs,
// with SPIFFE URI SANs, DNS and IP SANs. EC P-256 keys, so making a few costs milliseconds.

import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface CertFiles {
  readonly cert: string;
  readonly key: string;
}

const openssl = (args: string[]): void => void execFileSync('openssl', args, { stdio: 'pipe' });

function newKey(file: string): void {
  openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', file]);
}

export function makeCa(dir: string, name = 'test-ca'): CertFiles {
  const files = { cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) };
  newKey(files.key);
  openssl(['req', '-x509', '-new', '-key', files.key, '-subj', `/CN=${name}`, '-days', '2', '-out', files.cert]);
  return files;
}

export interface CertSpec {
  readonly name: string;
  readonly subject: string;
  /** subjectAltName entries, e.g. ['URI:spiffe://td/ns/a/sa/b', 'DNS:localhost', 'IP:127.0.0.1']. */
  readonly sans: readonly string[];
  readonly usage: 'server' | 'client';
}

export function makeCert(dir: string, ca: CertFiles, spec: CertSpec): CertFiles {
  const files = { cert: join(dir, `${spec.name}.crt`), key: join(dir, `${spec.name}.key`) };
  const csr = join(dir, `${spec.name}.csr`);
  const ext = join(dir, `${spec.name}.ext`);
  newKey(files.key);
  openssl(['req', '-new', '-key', files.key, '-subj', spec.subject, '-out', csr]);
  const purpose = spec.usage === 'server' ? 'serverAuth' : 'clientAuth';
  writeFileSync(ext, `subjectAltName=${spec.sans.join(',')}\nextendedKeyUsage=${purpose}\n`);
  openssl(
    ['x509', '-req', '-in', csr, '-CA', ca.cert, '-CAkey', ca.key, '-CAcreateserial', '-days', '2'].concat([
      '-extfile',
      ext,
      '-out',
      files.cert,
    ]),
  );
  return files;
}
