// The standard request headers of 2026-07-28 (streamable-http.mdx, "Standard Headers" and "Value Encoding"): which
// body value each must repeat, and how a value is read (optional whitespace around it is not part of it; a value
// that cannot travel as plain ASCII comes as `=?base64?<UTF-8 in Base64>?=`). Pure.

const SENTINEL_START = '=?base64?';
const SENTINEL_END = '?=';
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** The body field `Mcp-Name` repeats, for the methods that need one. */
export const NAME_FIELD: Readonly<Record<string, 'name' | 'uri'>> = {
  'tools/call': 'name',
  'prompts/get': 'name',
  'resources/read': 'uri',
};

/** RFC 9110 §5.5: leading and trailing spaces and tabs around a field value are not part of it. */
function trimOws(value: string): string {
  let start = 0;
  let end = value.length;
  while (start < end && (value[start] === ' ' || value[start] === '\t')) start++;
  while (end > start && (value[end - 1] === ' ' || value[end - 1] === '\t')) end--;
  return start === 0 && end === value.length ? value : value.slice(start, end);
}

/**
 * The value a header carries: its text, or the decoded `=?base64?…?=` form (the markers are case-sensitive).
 * Undefined when the Base64 form is not valid Base64 of valid UTF-8.
 */
export function decodeHeaderValue(raw: string): string | undefined {
  const value = trimOws(raw);
  if (!value.startsWith(SENTINEL_START) || !value.endsWith(SENTINEL_END)) return value;
  if (value.length < SENTINEL_START.length + SENTINEL_END.length) return value;
  const encoded = value.slice(SENTINEL_START.length, value.length - SENTINEL_END.length);
  if (encoded.length % 4 !== 0 || !BASE64.test(encoded)) return undefined;
  try {
    return UTF8.decode(Buffer.from(encoded, 'base64'));
  } catch {
    return undefined;
  }
}

/**
 * How a client writes a value into a header (the TypeScript SDK's rule): Base64 when it has characters outside
 * visible ASCII, space and tab, surrounding whitespace, or looks like the sentinel itself. Used by tests and by the
 * bridge when it speaks to a modern upstream.
 */
export function encodeHeaderValue(value: string): string {
  const plain =
    /^[\t\x20-\x7e]*$/.test(value) &&
    value === trimOws(value) &&
    !(value.startsWith(SENTINEL_START) && value.endsWith(SENTINEL_END));
  return plain ? value : `${SENTINEL_START}${Buffer.from(value, 'utf8').toString('base64')}${SENTINEL_END}`;
}
