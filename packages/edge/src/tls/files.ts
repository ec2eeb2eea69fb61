// `--tls-cert/--tls-key`: serve mounted files and pick up replacements without a restart. cert-manager and the
// kubelet update Secret volumes by swapping a symlink, which fs.watch on the directory sees; the poll is the fallback
// for file systems where watching is not reliable. A pair that does not load (mid-write, key and certificate from
// different generations) is ignored until it does, so a half-finished update never replaces a working certificate.

import { readFileSync, watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';

import { assertUsable, type KeyPair } from './checks.ts';

export interface TlsFilesOptions {
  readonly certFile: string;
  readonly keyFile: string;
  readonly pollMs: number;
  readonly onChange: (pair: KeyPair) => void;
  readonly onError: (error: unknown) => void;
}

export interface TlsFilesWatcher {
  readonly initial: KeyPair;
  /** Re-reads the files now (the watcher and the poll call this). */
  readonly check: () => Promise<void>;
  readonly close: () => void;
}

/** Reads the pair once, synchronously: a missing or broken certificate at start-up is fatal and said so. */
function readPairSync(certFile: string, keyFile: string): KeyPair {
  const pair = { cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8') };
  assertUsable(pair);
  return pair;
}

/**
 * fs.watch on each file's directory (the kubelet updates a Secret volume by swapping its `..data` symlink), reacting
 * only to the watched names and the `..`-prefixed entries of that swap, so unrelated files in the directory cost
 * nothing. No watcher where watching is unsupported: the poll still works.
 */
function watchDirectories(files: readonly string[], onEvent: () => void): FSWatcher[] {
  const names = new Set(files.map((file) => basename(file)));
  const relevant = (name: string | null) => name === null || names.has(name) || name.startsWith('..');
  return [...new Set(files.map((file) => dirname(file)))].flatMap((dir): FSWatcher[] => {
    try {
      return [watch(dir, (_event, name) => relevant(name) && onEvent()).on('error', () => undefined)];
    } catch {
      return [];
    }
  });
}

export function watchTlsFiles(options: TlsFilesOptions): TlsFilesWatcher {
  let current = readPairSync(options.certFile, options.keyFile);
  let checking: Promise<void> | undefined;
  const check = async (): Promise<void> => {
    const [cert, key] = await Promise.all([readFile(options.certFile, 'utf8'), readFile(options.keyFile, 'utf8')]);
    if (cert === current.cert && key === current.key) return;
    const next = { cert, key };
    assertUsable(next);
    current = next;
    options.onChange(next);
  };
  const run = (): Promise<void> => {
    // One check at a time; events that arrive meanwhile are covered by the running one or the next poll.
    checking ??= check()
      .catch(options.onError)
      .finally(() => (checking = undefined));
    return checking;
  };
  let debounce: NodeJS.Timeout | undefined;
  const onEvent = () => {
    clearTimeout(debounce);
    debounce = setTimeout(() => void run(), 50);
  };
  const watchers = watchDirectories([options.certFile, options.keyFile], onEvent);
  const poll = setInterval(() => void run(), options.pollMs);
  poll.unref();
  return {
    initial: current,
    check: run,
    close: () => {
      clearInterval(poll);
      clearTimeout(debounce);
      for (const watcher of watchers) watcher.close();
    },
  };
}
