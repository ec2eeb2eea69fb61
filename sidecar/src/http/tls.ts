// TLS on the MCP port: the files named by --tls-cert/--tls-key (and --tls-client-ca) are read at start-up, where a
// problem is a SetupError naming the file and what is wrong with it, and re-read when they change; the listener then
// swaps its secure context, so open connections (SSE streams among them) carry on with the old one.

import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { SecureContextOptions, TlsOptions } from 'node:tls';

import type { BridgeConfig, TlsClientAuth } from '@mcp-sidecar/contract';
import { type TlsFileContents, type TlsFilesWatcher, watchTlsFiles } from '@mcp-sidecar/edge';

import { errorText, SetupError } from '../errors.ts';

/** How often the files are re-read when no change event came (fs.watch is the fast path). */
export const FILE_POLL_MS = 10_000;

export interface TlsSettings {
  readonly watcher: TlsFilesWatcher;
  readonly clientAuth: TlsClientAuth;
}

/** Options of the listener and of each new secure context: TLS 1.2+, client certificates as configured. */
export function tlsOptions(contents: TlsFileContents, clientAuth: TlsClientAuth): TlsOptions & SecureContextOptions {
  return {
    cert: contents.cert,
    key: contents.key,
    ...(contents.ca === undefined ? {} : { ca: contents.ca }),
    minVersion: 'TLSv1.2',
    requestCert: clientAuth !== 'none',
    rejectUnauthorized: clientAuth === 'require',
  };
}

/** Why the files cannot be served, in one line that names the flag and the file. */
function describeProblem(config: BridgeConfig, error: unknown): string {
  const files = [
    ['--tls-cert', config.tlsCert],
    ['--tls-key', config.tlsKey],
    ['--tls-client-ca', config.tlsClientCa],
  ] as const;
  for (const [flag, file] of files) {
    if (file === null) continue;
    try {
      readFileSync(file);
    } catch (readError) {
      return `${flag} ${file}: cannot read it (${errorText(readError)})`;
    }
  }
  const cert = readFileSync(config.tlsCert!, 'utf8');
  const key = readFileSync(config.tlsKey!, 'utf8');
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(cert);
  } catch {
    return `--tls-cert ${config.tlsCert}: not a PEM certificate`;
  }
  try {
    if (!certificate.checkPrivateKey(createPrivateKey(key))) {
      return `--tls-key ${config.tlsKey} does not belong to --tls-cert ${config.tlsCert}; give the key the certificate was issued for`;
    }
  } catch {
    return `--tls-key ${config.tlsKey}: not a PEM private key`;
  }
  if (config.tlsClientCa !== null)
    return `--tls-client-ca ${config.tlsClientCa}: not a PEM CA bundle (${errorText(error)})`;
  return `--tls-cert/--tls-key: ${errorText(error)}`;
}

/** Reads and watches the TLS files; undefined without --tls-cert. Throws SetupError when they cannot be served. */
export function loadTls(
  config: BridgeConfig,
  onChange: (contents: TlsFileContents) => void,
  onError: (error: unknown) => void,
): TlsSettings | undefined {
  if (config.tlsCert === null || config.tlsKey === null) return undefined;
  try {
    const watcher = watchTlsFiles({
      certFile: config.tlsCert,
      keyFile: config.tlsKey,
      ...(config.tlsClientCa === null ? {} : { caFile: config.tlsClientCa }),
      pollMs: FILE_POLL_MS,
      onChange,
      onError,
    });
    return { watcher, clientAuth: config.tlsClientAuth };
  } catch (error) {
    throw new SetupError(describeProblem(config, error), { cause: error });
  }
}
