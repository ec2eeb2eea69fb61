// `--tls-cert/--tls-key` (and the bridge's `--tls-client-ca`): serve mounted files and pick up replacements without a
// restart (see ../files.ts for how changes are seen). A pair that does not load together is ignored until it does.

import { watchFiles } from '../files.ts';
import { assertUsable, type KeyPair } from './checks.ts';

/** A certificate and key, and the CA bundle that verifies client certificates when one is configured. */
export interface TlsFileContents extends KeyPair {
  readonly ca?: string;
}

export interface TlsFilesOptions {
  readonly certFile: string;
  readonly keyFile: string;
  /** PEM CA bundle for verifying clients; watched with the pair. */
  readonly caFile?: string;
  readonly pollMs: number;
  readonly onChange: (pair: TlsFileContents) => void;
  readonly onError: (error: unknown) => void;
}

export interface TlsFilesWatcher {
  readonly initial: TlsFileContents;
  /** Re-reads the files now (the watcher and the poll call this). */
  readonly check: () => Promise<void>;
  readonly close: () => void;
}

/** Reads the files once, synchronously: a missing or broken certificate at start-up is fatal and said so. */
export function watchTlsFiles(options: TlsFilesOptions): TlsFilesWatcher {
  const files = [options.certFile, options.keyFile, ...(options.caFile === undefined ? [] : [options.caFile])];
  return watchFiles<TlsFileContents>({
    files,
    pollMs: options.pollMs,
    load: ([cert = '', key = '', ca]) => {
      const contents = ca === undefined ? { cert, key } : { cert, key, ca };
      assertUsable(contents);
      return contents;
    },
    onChange: options.onChange,
    onError: options.onError,
  });
}
