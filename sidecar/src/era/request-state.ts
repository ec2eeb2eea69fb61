// The `requestState` the bridge hands a 2026-07-28 client with `input_required` (basic/patterns/mrtr.mdx: "MUST treat
// requestState as an attacker-controlled input … MUST protect its integrity … MUST reject state that fails
// verification"). It is `v1.<claims>.<HMAC-SHA256 of the claims>`, both base64url. The claims bind it to one round
// of one pending call on one replica, to the request it came with (method, target and arguments) and to an expiry.
// It carries no secrets and no upstream ids: the call itself stays on the replica, the state only points at it.
// Pure computation (node:crypto's HMAC and hash, no I/O).

import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

import type { JsonRpcRequest } from '@mcp-sidecar/protocol';

export interface StateClaims {
  /** The pending call on the replica (random, never reused). */
  readonly call: string;
  /** Which round of the call this state answers; an older round's state is a replay. */
  readonly round: number;
  /** The replica that holds the call. */
  readonly replica: string;
  /** Epoch milliseconds after which the state is refused. */
  readonly expiresAt: number;
  /** Digest of the request's method, target and arguments: the retry must be the same request. */
  readonly digest: string;
}

const VERSION = 'v1';
const MAC_BYTES = 32;

const mac = (key: Uint8Array, payload: string): Buffer => createHmac('sha256', key).update(payload).digest();

export function signState(key: Uint8Array, claims: StateClaims): string {
  const payload = Buffer.from(JSON.stringify(claims), 'utf8').toString('base64url');
  return `${VERSION}.${payload}.${mac(key, payload).toString('base64url')}`;
}

/** Why a state could not be opened: not ours in form, or not ours in signature (tampered, or another key). */
export type StateFault = 'malformed' | 'signature';

/** Verifies the signature (in constant time) and returns the claims; never trusts the payload before that. */
export function openState(key: Uint8Array, token: unknown): StateClaims | StateFault {
  if (typeof token !== 'string') return 'malformed';
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] !== VERSION) return 'malformed';
  const [, payload = '', signature = ''] = parts;
  const given = Buffer.from(signature, 'base64url');
  // Only the canonical spelling: base64url decoding skips stray characters and ignores the last one's spare bits.
  if (given.length !== MAC_BYTES || given.toString('base64url') !== signature) return 'signature';
  if (!timingSafeEqual(given, mac(key, payload))) return 'signature';
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as StateClaims;
    return isClaims(claims) ? claims : 'malformed';
  } catch {
    return 'malformed';
  }
}

function isClaims(value: StateClaims): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof value.call === 'string' &&
    Number.isInteger(value.round) &&
    typeof value.replica === 'string' &&
    typeof value.expiresAt === 'number' &&
    typeof value.digest === 'string'
  );
}

/** JSON with object keys sorted, so a client that re-serialises its arguments in another order still matches. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value !== 'object' || value === null) return JSON.stringify(value) ?? 'null';
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record)
    .filter((key) => record[key] !== undefined)
    .sort();
  return `{${keys.map((key) => `${JSON.stringify(key)}:${canonical(record[key])}`).join(',')}}`;
}

/** What makes a retry "the same request": its method, its tool/prompt name or URI, and its arguments. */
export function requestDigest(request: JsonRpcRequest): string {
  const params = request.params ?? {};
  const salient = canonical([request.method, params.name ?? params.uri ?? null, params.arguments ?? null]);
  return createHash('sha256').update(salient).digest('base64url').slice(0, 22);
}
