// The per-request `_meta` envelope of protocol 2026-07-28 (basic/index.mdx, "_meta"): what a modern request must
// carry, read once, and taken off again before the request goes to a 2025-era server. Pure.

import { loggingSeverity } from '@mcp-sidecar/protocol';

import type { ClientCapabilities } from '../router/types.ts';

export const META = {
  protocolVersion: 'io.modelcontextprotocol/protocolVersion',
  clientCapabilities: 'io.modelcontextprotocol/clientCapabilities',
  clientInfo: 'io.modelcontextprotocol/clientInfo',
  logLevel: 'io.modelcontextprotocol/logLevel',
  serverInfo: 'io.modelcontextprotocol/serverInfo',
  subscriptionId: 'io.modelcontextprotocol/subscriptionId',
} as const;

/** The request-side envelope keys: a 2025-era server must not see them (a dual-era one refuses them). */
const REQUEST_KEYS: ReadonlySet<string> = new Set([
  META.protocolVersion,
  META.clientCapabilities,
  META.clientInfo,
  META.logLevel,
]);

export interface Envelope {
  readonly protocolVersion: string;
  /** What this client can do for this request, as the router checks it. */
  readonly capabilities: ClientCapabilities;
  /** Severity rank of the requested log level; -1 when the request asked for no logs. */
  readonly logSeverity: number;
}

/** Why an envelope is malformed, worded for the client; undefined when it is well formed. */
export type EnvelopeProblem = string;

/** A JSON object (not null, not an array). */
export const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** `params._meta` when it is an object. */
export const metaOf = (params: Record<string, unknown> | undefined): Record<string, unknown> | undefined => {
  const meta = params?._meta;
  return isObject(meta) ? meta : undefined;
};

/** True when the body claims the modern era: its `_meta` names a protocol version (the classification signal). */
export const hasEnvelope = (params: Record<string, unknown> | undefined): boolean =>
  metaOf(params)?.[META.protocolVersion] !== undefined;

/** Reads the envelope, or says what is missing or malformed (clientInfo is optional: SHOULD, not MUST). */
export function readEnvelope(params: Record<string, unknown> | undefined): Envelope | EnvelopeProblem {
  const meta = metaOf(params);
  if (!meta)
    return 'params._meta is missing; a 2026-07-28 request carries the protocol version and client capabilities there';
  const version = meta[META.protocolVersion];
  if (typeof version !== 'string') return `params._meta["${META.protocolVersion}"] must be a string`;
  const declared = meta[META.clientCapabilities];
  if (!isObject(declared)) return `params._meta["${META.clientCapabilities}"] must be an object ({} declares none)`;
  const level = meta[META.logLevel];
  const logSeverity = level === undefined ? -1 : loggingSeverity(level);
  if (level !== undefined && logSeverity < 0) return `params._meta["${META.logLevel}"] is not a logging level`;
  return { protocolVersion: version, capabilities: capabilitiesOf(declared), logSeverity };
}

/** The eight possible answers, made once: reading a request's capabilities allocates nothing. */
const CAPABILITY_SETS: readonly ClientCapabilities[] = Array.from({ length: 8 }, (_, bits) =>
  Object.freeze({ sampling: (bits & 1) !== 0, elicitation: (bits & 2) !== 0, roots: (bits & 4) !== 0 }),
);

export function capabilitiesOf(declared: Record<string, unknown>): ClientCapabilities {
  const bits =
    (isObject(declared.sampling) ? 1 : 0) |
    (isObject(declared.elicitation) ? 2 : 0) |
    (isObject(declared.roots) ? 4 : 0);
  return CAPABILITY_SETS[bits]!;
}

/**
 * Takes the envelope off a request for a 2025-era server, keeping every other `_meta` key (progressToken,
 * traceparent…). Sets `_meta` to undefined rather than deleting it (JSON.stringify leaves it out, the object keeps
 * its shape), and allocates only when other keys remain.
 */
export function stripEnvelope(params: Record<string, unknown>): void {
  const meta = metaOf(params);
  if (!meta) return;
  let rest: Record<string, unknown> | undefined;
  for (const key in meta) {
    if (REQUEST_KEYS.has(key)) continue;
    (rest ??= {})[key] = meta[key];
  }
  params._meta = rest;
}
