// What a 2025-era server's answer needs before a 2026-07-28 client may read it: `resultType` on every result
// (basic/index.mdx "ResultType"), cache hints on the cacheable ones (server/utilities/caching.mdx), the removed
// error code -32002 turned into -32602, and server/discover built from the cached InitializeResult. Pure.

import type { JsonRpcResponse } from '@mcp-sidecar/protocol';

import { META } from './envelope.ts';

export interface CacheHints {
  readonly ttlMs: number;
  readonly cacheScope: 'public' | 'private';
}

/**
 * How long a list stays fresh when the server did not declare `listChanged` for it: it promised no change
 * notifications, and such lists are static in practice. A list that can announce changes is stale at once
 * (ttlMs 0), and a client that wants to know subscribes with subscriptions/listen.
 */
export const STATIC_LIST_TTL_MS = 60_000;

/** Results cacheable in 2026-07-28, and the capability whose `listChanged` says whether they change. */
const CACHEABLE: Readonly<Record<string, string>> = {
  'tools/list': 'tools',
  'prompts/list': 'prompts',
  'resources/list': 'resources',
  'resources/templates/list': 'resources',
  'resources/read': '',
};

const STALE_PRIVATE: CacheHints = { ttlMs: 0, cacheScope: 'private' };
const STATIC_PRIVATE: CacheHints = { ttlMs: STATIC_LIST_TTL_MS, cacheScope: 'private' };

/**
 * The hints for a cacheable method, derived from what the server declared; undefined for the others. Always
 * `private`: the bridge cannot tell whether an answer depends on who asked. resources/read is stale at once: a
 * resource's content may change without a list change.
 */
export function cacheHintsFor(method: string, capabilities: Readonly<Record<string, unknown>>): CacheHints | undefined {
  const capability = CACHEABLE[method];
  if (capability === undefined) return undefined;
  if (capability === '') return STALE_PRIVATE;
  const declared = capabilities[capability] as { listChanged?: unknown } | undefined;
  return declared?.listChanged === true ? STALE_PRIVATE : STATIC_PRIVATE;
}

const isTtl = (value: unknown): boolean => typeof value === 'number' && Number.isInteger(value) && value >= 0;

/**
 * Makes an upstream answer a 2026-07-28 one: `resultType: "complete"` unless the server set one (in place), the cache
 * hints unless the server gave valid ones (on a copy), and -32002 (resource not found, no longer a code) as -32602,
 * with `data.uri` when it is about a resource (`resourceUri`, for resources/read).
 */
export function completeAnswer(response: JsonRpcResponse, hints: CacheHints | undefined, resourceUri?: string): void {
  const result = response.result as Record<string, unknown> | undefined;
  if (result !== undefined && typeof result === 'object' && result !== null) {
    if (hints === undefined) {
      if (result.resultType === undefined) result.resultType = 'complete';
      return;
    }
    // A list result may be the router's cached object, which 2025 sessions are answered with too: stamp a copy.
    const resultType = result.resultType ?? 'complete';
    const ttlMs = isTtl(result.ttlMs) ? result.ttlMs : hints.ttlMs;
    const scope =
      result.cacheScope === 'public' || result.cacheScope === 'private' ? result.cacheScope : hints.cacheScope;
    response.result =
      resultType === 'complete' ? { ...result, resultType, ttlMs, cacheScope: scope } : { ...result, resultType };
    return;
  }
  const error = response.error;
  if (error?.code !== -32002 && (error?.code !== -32602 || resourceUri === undefined)) return;
  // resources.mdx: an unknown resource is -32602, and data.uri SHOULD name it.
  const data = error.data;
  const hasUri = typeof data === 'object' && data !== null && 'uri' in data;
  const withUri = resourceUri === undefined || hasUri ? data : { ...(data as object | undefined), uri: resourceUri };
  response.error =
    withUri === undefined
      ? { code: -32602, message: error.message }
      : { code: -32602, message: error.message, data: withUri };
}

/** Capabilities that are not part of 2026-07-28 servers' (tasks moved to an extension). */
const NOT_MODERN_CAPABILITIES: ReadonlySet<string> = new Set(['tasks']);

/** server/discover's result (server/discover.mdx) from a 2025-era InitializeResult. */
export function discoverResult(
  initialize: Readonly<Record<string, unknown>>,
  supportedVersions: readonly string[],
): Record<string, unknown> {
  const declared = (initialize.capabilities ?? {}) as Record<string, unknown>;
  const capabilities: Record<string, unknown> = {};
  for (const key of Object.keys(declared)) if (!NOT_MODERN_CAPABILITIES.has(key)) capabilities[key] = declared[key];
  const result: Record<string, unknown> = {
    resultType: 'complete',
    supportedVersions,
    capabilities,
    // The bridge's answer is the same for every caller; upstream restarts are rare, and a client that sees the
    // server change rediscovers.
    ttlMs: STATIC_LIST_TTL_MS,
    cacheScope: 'public',
  };
  if (typeof initialize.instructions === 'string') result.instructions = initialize.instructions;
  if (initialize.serverInfo !== undefined) result._meta = { [META.serverInfo]: initialize.serverInfo };
  return result;
}
