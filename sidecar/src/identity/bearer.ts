// The seam between the identity stage and how bearer tokens are checked (static tokens or JWTs), and the static
// token file: one `<name> <token>` (or just `<token>`) per line, `#` comments. Tokens are compared in constant time:
// each candidate's SHA-256 against every entry's, without stopping at a match.

import { createHash, timingSafeEqual } from 'node:crypto';

import type { Identity } from '../context.ts';

export type BearerCheck =
  | { readonly ok: true; readonly identity: Identity }
  /** `unavailable`: the token could not be checked at all (e.g. the JWKS could not be fetched). */
  | { readonly ok: false; readonly reason: string; readonly unavailable?: boolean };

export interface BearerVerifier {
  verify(token: string): BearerCheck | Promise<BearerCheck>;
  close(): void;
}

interface TokenEntry {
  readonly name: string;
  readonly digest: Buffer;
}

const TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;
const digestOf = (token: string): Buffer => createHash('sha256').update(token).digest();

/** Parses a token file; throws naming the line when it is not one. */
export function parseTokenFile(text: string): TokenEntry[] {
  const entries: TokenEntry[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const fields = line.split(/\s+/);
    const token = fields.at(-1)!;
    if (fields.length > 2 || !TOKEN.test(token)) {
      throw new Error(`line ${index + 1} is not "<name> <token>" or "<token>" (tokens use A-Z a-z 0-9 - . _ ~ + / =)`);
    }
    entries.push({ name: fields.length === 2 ? fields[0]! : `token-line-${index + 1}`, digest: digestOf(token) });
  });
  if (entries.length === 0) throw new Error('it holds no tokens');
  return entries;
}

/** Checks tokens against the entries the holder currently has (the file is re-read when it changes). */
export function staticTokenVerifier(entries: () => readonly TokenEntry[], close: () => void): BearerVerifier {
  return {
    verify: (token) => {
      const digest = digestOf(token);
      let found: TokenEntry | undefined;
      for (const entry of entries()) if (timingSafeEqual(entry.digest, digest)) found ??= entry;
      return found
        ? { ok: true, identity: { source: 'token', sub: found.name } }
        : { ok: false, reason: 'the token is not one of --auth-token-file' };
    },
    close,
  };
}
