// Structural limits on JSON text, checked before it is parsed. JSON.parse in V8 copes with any nesting, but
// JSON.stringify recurses and throws "Maximum call stack size exceeded" a few thousand levels down, and the bridge
// writes every message it forwards with JSON.stringify. So a message nested deeper than the limit is refused where it
// is read, and never reaches a writer. The scan stops at the first level over the limit, so a hostile body of
// millions of brackets costs microseconds, and jumps over string contents with indexOf, so text costs almost
// nothing; it runs without recursion, so it cannot blow the stack itself.

/** The default --max-json-depth: deep enough for any real schema or result, far from JSON.stringify's stack limit. */
export const DEFAULT_MAX_JSON_DEPTH = 128;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const OPEN_OBJECT = 0x7b;
const CLOSE_ARRAY = 0x5d;
const CLOSE_OBJECT = 0x7d;

/** Index of the quote that closes the string opened at `open`, or -1 when it never closes. */
function closingQuote(text: string, open: number): number {
  let at = open;
  for (;;) {
    at = text.indexOf('"', at + 1);
    if (at === -1) return -1;
    let backslashes = 0;
    while (text.charCodeAt(at - 1 - backslashes) === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return at; // an even run of backslashes escapes itself, not the quote
  }
}

/** True when arrays and objects in `text` nest deeper than `limit` levels (`[[1]]` is 2). */
export function nestsDeeperThan(text: string, limit: number): boolean {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      i = closingQuote(text, i);
      if (i === -1) return false; // unterminated: JSON.parse reports it
    } else if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
      if (++depth > limit) return true;
    } else if (c === CLOSE_ARRAY || c === CLOSE_OBJECT) {
      depth--;
    }
  }
  return false;
}

/** True when the first character that is not JSON whitespace opens an object: a cheap test before JSON.parse. */
export function startsAsObject(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === OPEN_OBJECT) return true;
    if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return false;
  }
  return false;
}
