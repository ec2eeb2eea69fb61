// The bridge's own handshake with an upstream, and the warm-up that readiness waits for: initialize,
// notifications/initialized, the lists the server advertises (cached by the router for new sessions), the
// configured --warmup calls, and finally whatever restores the sessions' state after a restart.

import type { WarmupCall } from '@mcp-sidecar/contract';
import { type JsonRpcRequest, type JsonRpcResponse, LATEST_PROTOCOL_VERSION } from '@mcp-sidecar/protocol';

import { BRIDGE_VERSION } from '../version.ts';

/** What warmUp needs from an Upstream (kept narrow so it can be tested with a fake). */
export interface HandshakeTarget {
  request(method: string, params?: Record<string, unknown>): Promise<JsonRpcResponse>;
  /** A request whose answer nobody waits for (a subscription the server keeps open). */
  requestOpen(method: string, params: Record<string, unknown>): void;
  /** One question before the handshake, outside the router; undefined when unanswered within `timeoutMs`. */
  probe(request: Omit<JsonRpcRequest, 'id'>, timeoutMs: number): Promise<JsonRpcResponse | undefined>;
  /** Gives up the connection for a fresh one (the probe pinned it to another era). */
  reconnect(): Promise<void>;
  notifyUpstream(method: string): void;
  readonly router: { restoreRequests(): { method: string; params: Record<string, unknown> }[] };
}

/** How an upstream is brought to ready: the 2025 initialize and warm-up (below), or a 2026-07-28 server's own. */
export type Handshake = (target: HandshakeTarget, calls: readonly WarmupCall[]) => Promise<void>;

/**
 * The capabilities the bridge declares upstream: all the server→client features, so it can relay them to the
 * clients that support them (each client's own capabilities are checked per request by the router).
 */
export const BRIDGE_CLIENT_CAPABILITIES = {
  roots: { listChanged: true },
  sampling: {},
  elicitation: { form: {}, url: {} },
};

const LISTS_BY_CAPABILITY: readonly [string, string][] = [
  ['tools', 'tools/list'],
  ['prompts', 'prompts/list'],
  ['resources', 'resources/list'],
];

export async function warmUp(target: HandshakeTarget, calls: readonly WarmupCall[]): Promise<void> {
  const init = await target.request('initialize', {
    protocolVersion: LATEST_PROTOCOL_VERSION,
    capabilities: BRIDGE_CLIENT_CAPABILITIES,
    clientInfo: { name: 'mcp-sidecar', version: BRIDGE_VERSION },
  });
  if (init.error) throw new Error(`the MCP server refused initialize: ${init.error.message}`);
  target.notifyUpstream('notifications/initialized');
  const capabilities = (init.result as { capabilities?: Record<string, unknown> })?.capabilities ?? {};
  const lists = LISTS_BY_CAPABILITY.filter(([capability]) => capabilities[capability] !== undefined);
  await Promise.all(lists.map(([, method]) => expectSuccess(target, method)));
  for (const call of calls) await expectSuccess(target, call.method, call.params);
  for (const call of target.router.restoreRequests()) await expectSuccess(target, call.method, call.params);
}

async function expectSuccess(target: HandshakeTarget, method: string, params?: Record<string, unknown>) {
  const response = await target.request(method, params);
  if (response.error) throw new Error(`warm-up call ${method} failed: ${response.error.message}`);
  const result = response.result as { isError?: unknown } | undefined;
  if (result?.isError === true) throw new Error(`warm-up call ${method} returned a tool error`);
}
