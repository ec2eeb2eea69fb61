// CIDR blocks (`10.0.0.0/8`, `127.0.0.6/32`, `::6/128`, `fd00::/8`) for --trusted-proxies: parsed once, matched
// against a TCP peer address per request. IPv4 peers that arrive as IPv4-mapped IPv6 (`::ffff:127.0.0.6`, what a
// dual-stack listener reports) match IPv4 blocks. Pure: no node:net, so the option parser can use it too.

import { fail, ok, type Parsed } from '@mcp-sidecar/cli';

export interface Cidr {
  /** 4 bytes for IPv4, 16 for IPv6. */
  readonly bytes: Uint8Array;
  readonly prefix: number;
}

const IPV4_PART = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

function parseIpv4(text: string): Uint8Array | undefined {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((part) => IPV4_PART.test(part))) return undefined;
  return Uint8Array.from(parts.map(Number));
}

/** The 16 bytes of an IPv6 address (`::`, zone ids refused, an IPv4 tail allowed), or undefined. */
function parseIpv6(text: string): Uint8Array | undefined {
  if (!/^[0-9a-fA-F:.]+$/.test(text) || text.split('::').length > 2) return undefined;
  let tail: number[] = [];
  let head = text;
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.', lastColon)) {
    const v4 = parseIpv4(text.slice(lastColon + 1));
    if (!v4) return undefined;
    tail = [(v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!];
    const prefix = text.slice(0, lastColon + 1); // ends in ':' ('::' when the IPv4 part follows a gap)
    head = prefix.endsWith('::') ? prefix : prefix.slice(0, -1);
  }
  const groups = (side: string): number[] | undefined => {
    if (side === '') return [];
    const words = side.split(':');
    return words.every((word) => /^[0-9a-fA-F]{1,4}$/.test(word)) ? words.map((w) => parseInt(w, 16)) : undefined;
  };
  const [left, right] = head.split('::');
  const before = groups(left ?? '');
  const after = right === undefined ? [] : groups(right);
  if (!before || !after) return undefined;
  const missing = 8 - tail.length - before.length - after.length;
  if (right === undefined ? missing !== 0 : missing < 1) return undefined;
  const words = [...before, ...new Array<number>(right === undefined ? 0 : missing).fill(0), ...after, ...tail];
  return Uint8Array.from(words.flatMap((word) => [word >> 8, word & 0xff]));
}

/** An address as bytes: IPv4 (4 bytes), IPv6 (16), or an IPv4-mapped IPv6 address unwrapped to its IPv4 (4). */
export function addressBytes(address: string): Uint8Array | undefined {
  const v4 = parseIpv4(address);
  if (v4) return v4;
  const v6 = parseIpv6(address);
  if (!v6) return undefined;
  const mapped = v6.subarray(0, 10).every((byte) => byte === 0) && v6[10] === 0xff && v6[11] === 0xff;
  return mapped ? v6.slice(12) : v6;
}

export function parseCidr(raw: string): Parsed<Cidr> {
  const text = raw.trim();
  const slash = text.indexOf('/');
  const address = slash === -1 ? text : text.slice(0, slash);
  const bytes = parseIpv4(address) ?? parseIpv6(address);
  if (!bytes) return fail(`"${text}" is not an IPv4 or IPv6 address or CIDR block (e.g. 127.0.0.6/32, ::6/128)`);
  const max = bytes.length * 8;
  const prefixText = slash === -1 ? String(max) : text.slice(slash + 1);
  const prefix = /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : -1;
  if (prefix < 0 || prefix > max) return fail(`"${text}" has a prefix length outside 0–${max}`);
  // ::ffff:a.b.c.d/N (N ≥ 96) is the IPv4 block a.b.c.d/(N-96): peers are matched in their IPv4 form.
  const mapped = addressBytes(address);
  if (mapped?.length === 4 && bytes.length === 16 && prefix >= 96) return ok({ bytes: mapped, prefix: prefix - 96 });
  return ok({ bytes, prefix });
}

/** Parses a comma-separated list of CIDR blocks, naming the first bad one. */
export function parseCidrList(raw: string): Parsed<readonly string[]> {
  const items = raw
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
  for (const item of items) {
    const parsed = parseCidr(item);
    if (!parsed.ok) return fail(`expected CIDR blocks such as 127.0.0.6/32,::6/128; ${parsed.error}`);
  }
  return ok(items);
}

export function cidrContains(cidr: Cidr, address: Uint8Array): boolean {
  if (cidr.bytes.length !== address.length) return false;
  const whole = cidr.prefix >> 3;
  for (let i = 0; i < whole; i++) if (cidr.bytes[i] !== address[i]) return false;
  const rest = cidr.prefix & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return ((cidr.bytes[whole]! ^ address[whole]!) & mask) === 0;
}
