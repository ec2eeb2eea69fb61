// Envoy's x-forwarded-client-cert header: elements separated by `,`, each a list of `key=value` pairs separated by
// `;`. A value that contains `,` `;` `=` (and Subject, always) is double-quoted, and inside quotes `\` escapes the
// next character (`\"`, `\\`). Keys are case-insensitive: By, Hash, Cert, Chain, Subject, URI, DNS (URI and DNS may
// repeat). With several proxies the elements accumulate; the last one describes the hop nearest to the bridge.
// Pure, and strict: a header it cannot read exactly is an error, never a partial identity.

import type { Identity } from '../context.ts';

/** One element: each key (lower-case) with its values in order. */
export type XfccElement = ReadonlyMap<string, readonly string[]>;

export type XfccParse =
  { readonly ok: true; readonly elements: XfccElement[] } | { readonly ok: false; readonly error: string };

/** Longer headers are refused instead of parsed (Envoy's own header limit is 60 KiB by default). */
export const MAX_XFCC_LENGTH = 64 * 1024;

interface Cursor {
  readonly text: string;
  at: number;
}

/** A value up to the next unquoted `;` or `,`: quoted (with escapes) or bare. */
function readValue(cursor: Cursor): string | undefined {
  const { text } = cursor;
  if (text[cursor.at] !== '"') {
    const end = /[;,"]/.exec(text.slice(cursor.at));
    const value = end ? text.slice(cursor.at, cursor.at + end.index) : text.slice(cursor.at);
    if (end?.[0] === '"') return undefined;
    cursor.at += value.length;
    return value;
  }
  let value = '';
  for (let i = cursor.at + 1; i < text.length; i++) {
    const char = text[i]!;
    if (char === '\\') {
      if (i + 1 >= text.length) return undefined;
      value += text[++i];
    } else if (char === '"') {
      cursor.at = i + 1;
      return value;
    } else {
      value += char;
    }
  }
  return undefined; // unterminated quote
}

function readPair(cursor: Cursor): [string, string] | string {
  const equals = cursor.text.indexOf('=', cursor.at);
  const key = equals === -1 ? '' : cursor.text.slice(cursor.at, equals).trim().toLowerCase();
  if (!/^[a-z]+$/.test(key)) return `expected key=value at offset ${cursor.at}`;
  cursor.at = equals + 1;
  const value = readValue(cursor);
  return value === undefined ? `unterminated or misplaced quote in the value of ${key}` : [key, value];
}

export function parseXfcc(header: string): XfccParse {
  if (header.length > MAX_XFCC_LENGTH) return { ok: false, error: `longer than ${MAX_XFCC_LENGTH} characters` };
  const cursor: Cursor = { text: header, at: 0 };
  const elements: XfccElement[] = [];
  let element = new Map<string, string[]>();
  for (;;) {
    const pair = readPair(cursor);
    if (typeof pair === 'string') return { ok: false, error: pair };
    const [key, value] = pair;
    element.set(key, [...(element.get(key) ?? []), value]);
    const separator = header[cursor.at];
    cursor.at += 1;
    if (separator === ';') continue;
    elements.push(element);
    if (separator === undefined) return { ok: true, elements };
    if (separator !== ',') return { ok: false, error: `unexpected "${separator}" at offset ${cursor.at - 1}` };
    element = new Map();
  }
}

const first = (element: XfccElement, key: string): string | undefined => element.get(key)?.[0];

/** The caller's identity from the element nearest to the bridge (the last one); undefined when it names nobody. */
export function identityOfXfcc(elements: readonly XfccElement[]): Identity | undefined {
  const nearest = elements.at(-1);
  if (!nearest) return undefined;
  const spiffe = nearest.get('uri')?.find((uri) => uri.startsWith('spiffe://'));
  const subject = first(nearest, 'subject');
  const dns = nearest.get('dns');
  const hash = first(nearest, 'hash')?.toLowerCase();
  if (!spiffe && !subject && !dns && !hash) return undefined;
  return {
    source: 'xfcc',
    ...(spiffe ? { spiffe } : {}),
    ...(subject ? { subject } : {}),
    ...(dns ? { dns: [...dns] } : {}),
    ...(hash ? { certHash: hash } : {}),
  };
}
