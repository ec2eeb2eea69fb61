// subscriptions/listen (basic/patterns/subscriptions.mdx): what a subscriber asked for, the part the server can
// honour, which notifications reach it, and how each is tagged with the subscription's id. Pure.

import type { JsonRpcId, JsonRpcMessage, JsonRpcNotification } from '@mcp-sidecar/protocol';

import { META } from './envelope.ts';

export interface SubscriptionFilter {
  readonly toolsListChanged?: boolean;
  readonly promptsListChanged?: boolean;
  readonly resourcesListChanged?: boolean;
  readonly resourceSubscriptions?: readonly string[];
}

const FLAGS = ['toolsListChanged', 'promptsListChanged', 'resourcesListChanged'] as const;

/** Notification method → the filter flag that asks for it. */
const FLAG_OF: Readonly<Record<string, (typeof FLAGS)[number]>> = {
  'notifications/tools/list_changed': 'toolsListChanged',
  'notifications/prompts/list_changed': 'promptsListChanged',
  'notifications/resources/list_changed': 'resourcesListChanged',
};

/** The filter in `params.notifications`, or why it is malformed ("All fields are optional"). */
export function readFilter(params: Record<string, unknown> | undefined): SubscriptionFilter | string {
  const raw = params?.notifications ?? {};
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return 'params.notifications must be an object';
  const filter = raw as Record<string, unknown>;
  for (const flag of FLAGS) {
    if (filter[flag] !== undefined && typeof filter[flag] !== 'boolean')
      return `notifications.${flag} must be a boolean`;
  }
  const uris = filter.resourceSubscriptions;
  if (uris !== undefined && !(Array.isArray(uris) && uris.every((uri) => typeof uri === 'string'))) {
    return 'notifications.resourceSubscriptions must be a list of URIs';
  }
  return filter;
}

const flagOn = (capability: unknown, field: 'listChanged' | 'subscribe'): boolean =>
  typeof capability === 'object' && capability !== null && (capability as Record<string, unknown>)[field] === true;

/** The part of the filter the server can honour; what it cannot is left out of the acknowledgement (spec). */
export function honoured(
  filter: SubscriptionFilter,
  capabilities: Readonly<Record<string, unknown>>,
): SubscriptionFilter {
  const { tools, prompts, resources } = capabilities;
  const result: { -readonly [K in keyof SubscriptionFilter]: SubscriptionFilter[K] } = {};
  if (filter.toolsListChanged === true && flagOn(tools, 'listChanged')) result.toolsListChanged = true;
  if (filter.promptsListChanged === true && flagOn(prompts, 'listChanged')) result.promptsListChanged = true;
  if (filter.resourcesListChanged === true && flagOn(resources, 'listChanged')) result.resourcesListChanged = true;
  if (filter.resourceSubscriptions?.length && flagOn(resources, 'subscribe')) {
    result.resourceSubscriptions = [...new Set(filter.resourceSubscriptions)];
  }
  return result;
}

/** Whether a server notification belongs on a stream with this (honoured) filter: only the types asked for. */
export function wants(filter: SubscriptionFilter, notification: JsonRpcMessage): boolean {
  if (!('method' in notification) || 'id' in notification) return false;
  const flag = FLAG_OF[notification.method];
  if (flag !== undefined) return filter[flag] === true;
  if (notification.method !== 'notifications/resources/updated') return false;
  const uri = notification.params?.uri;
  return typeof uri === 'string' && filter.resourceSubscriptions?.includes(uri) === true;
}

/** A copy of the notification tagged with the subscription id in `params._meta` (every stream gets its own). */
export function tagged(notification: JsonRpcNotification, subscriptionId: JsonRpcId): JsonRpcNotification {
  const params = notification.params ?? {};
  const meta = (params._meta ?? {}) as Record<string, unknown>;
  const { [META.subscriptionId]: _upstreams, ...rest } = meta;
  return {
    jsonrpc: '2.0',
    method: notification.method,
    params: { ...params, _meta: { ...rest, [META.subscriptionId]: subscriptionId } },
  };
}

/** The first message of every stream: which of the requested types will be delivered. */
export const acknowledgement = (subscriptionId: JsonRpcId, filter: SubscriptionFilter): JsonRpcNotification => ({
  jsonrpc: '2.0',
  method: 'notifications/subscriptions/acknowledged',
  params: { _meta: { [META.subscriptionId]: subscriptionId }, notifications: filter },
});

/** The result that ends a stream the server closes (spec: SHOULD answer the listen request before closing). */
export const closingResult = (id: JsonRpcId) => ({
  jsonrpc: '2.0' as const,
  id,
  result: { resultType: 'complete', _meta: { [META.subscriptionId]: id } },
});
