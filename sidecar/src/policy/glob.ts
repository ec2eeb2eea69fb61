// Name globs of the access policy: `*` matches any run of characters (`/` included), `?` one character; everything
// else is literal. Anchored at both ends.

export type Glob = (value: string) => boolean;

export function compileGlob(pattern: string): Glob {
  if (pattern === '*') return () => true;
  if (!/[*?]/.test(pattern)) return (value) => value === pattern;
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  const regex = new RegExp(`^${source}$`, 's');
  return (value) => regex.test(value);
}

/** True when any of the globs matches. */
export const anyGlob =
  (globs: readonly Glob[]): Glob =>
  (value) =>
    globs.some((glob) => glob(value));
