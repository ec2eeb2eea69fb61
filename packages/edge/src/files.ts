// Files a program serves from and re-reads when they change (certificates, tokens, policies): read once at start
// (a problem there is fatal and said so), then again on a change. cert-manager and the kubelet update Secret and
// ConfigMap volumes by swapping a symlink, which fs.watch on the directory sees; the poll is the fallback for file
// systems where watching is not reliable. Contents that do not load (caught mid-write, a key from another generation)
// are reported and ignored until they do, so a half-finished update never replaces working contents.

import { readFileSync, watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';

export interface WatchedFilesOptions<T> {
  readonly files: readonly string[];
  readonly pollMs: number;
  /** Turns the files' contents (in the order of `files`) into the value served; throws when they do not load. */
  readonly load: (contents: readonly string[]) => T;
  readonly onChange: (value: T) => void;
  readonly onError: (error: unknown) => void;
}

export interface WatchedFiles<T> {
  readonly initial: T;
  /** Re-reads the files now (the watcher and the poll call this). */
  readonly check: () => Promise<void>;
  readonly close: () => void;
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

const sameContents = (a: readonly string[], b: readonly string[]) => a.every((text, i) => text === b[i]);

export function watchFiles<T>(options: WatchedFilesOptions<T>): WatchedFiles<T> {
  let contents = options.files.map((file) => readFileSync(file, 'utf8'));
  const initial = options.load(contents);
  let checking: Promise<void> | undefined;
  const check = async (): Promise<void> => {
    const next = await Promise.all(options.files.map((file) => readFile(file, 'utf8')));
    if (sameContents(next, contents)) return;
    const value = options.load(next);
    contents = next;
    options.onChange(value);
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
  const watchers = watchDirectories(options.files, onEvent);
  const poll = setInterval(() => void run(), options.pollMs);
  poll.unref();
  return {
    initial,
    check: run,
    close: () => {
      clearInterval(poll);
      clearTimeout(debounce);
      for (const watcher of watchers) watcher.close();
    },
  };
}
