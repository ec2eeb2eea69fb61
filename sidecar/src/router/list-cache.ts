// Caches the first page of the upstream's lists (tools, prompts, resources, templates) so a new session's
// tools/list is answered without a round trip. A list_changed notification invalidates the list, and a
// generation number keeps a response that raced with the notification from refilling the cache with stale data.

import type { JsonRpcRequest, JsonRpcResponse } from '@mcp-sidecar/protocol';

import type { Pending } from './types.ts';

const LISTS_CHANGED_BY: Readonly<Record<string, readonly string[]>> = {
  'notifications/tools/list_changed': ['tools/list'],
  'notifications/prompts/list_changed': ['prompts/list'],
  'notifications/resources/list_changed': ['resources/list', 'resources/templates/list'],
};

const CACHEABLE = new Set(['tools/list', 'prompts/list', 'resources/list', 'resources/templates/list']);

const isFirstPage = (params: Record<string, unknown> | undefined): boolean => params?.cursor === undefined;

export class ListCache {
  readonly #results = new Map<string, unknown>();
  readonly #generations = new Map<string, number>();

  /** The generation a request for this list is sent under, or undefined when its answer is not cacheable. */
  generationFor(method: string, params: Record<string, unknown> | undefined): number | undefined {
    return CACHEABLE.has(method) && isFirstPage(params) ? (this.#generations.get(method) ?? 0) : undefined;
  }

  lookup(request: JsonRpcRequest): unknown {
    return CACHEABLE.has(request.method) && isFirstPage(request.params) ? this.#results.get(request.method) : undefined;
  }

  /** Keeps a successful list answer, unless the list changed while the request was in flight. */
  store<S>(pending: Pending<S>, response: JsonRpcResponse): void {
    if (pending.listGeneration === undefined || response.result === undefined) return;
    if ((this.#generations.get(pending.method) ?? 0) !== pending.listGeneration) return;
    this.#results.set(pending.method, response.result);
  }

  /** Forgets the lists a `…/list_changed` notification is about. */
  invalidate(notificationMethod: string): void {
    for (const method of LISTS_CHANGED_BY[notificationMethod] ?? []) this.#bump(method);
  }

  clear(): void {
    for (const method of CACHEABLE) this.#bump(method);
  }

  #bump(method: string): void {
    this.#results.delete(method);
    this.#generations.set(method, (this.#generations.get(method) ?? 0) + 1);
  }
}
