// A server that speaks 2026-07-28 itself. At start-up (--upstream-protocol auto) the bridge asks a throwaway
// connection `server/discover`: a DiscoverResult listing 2026-07-28 means modern, anything else (an error, junk, no
// answer within PROBE_TIMEOUT_MS, the server exiting) means legacy (stdio.mdx "Backward Compatibility": the fallback
// is not keyed to one error). A server picks its era from the first request of a connection and keeps it, so a modern
// server gets a connection of its own for 2026-07-28 requests, opened with server/discover, while 2025 sessions keep
// theirs (opened with initialize): each era is served natively, nothing is translated.

import type { UpstreamProtocol } from '@mcp-sidecar/contract';
import type { JsonRpcMessage } from '@mcp-sidecar/protocol';

import { MODERN_PROTOCOL_VERSION } from '../era/classify.ts';
import { META } from '../era/envelope.ts';
import type { Logger } from '../log.ts';
import type { TransportFactory } from '../upstream/transport.ts';
import type { Handshake } from '../upstream/warmup.ts';
import { BRIDGE_VERSION } from '../version.ts';

/** How long the start-up probe waits for server/discover (npx may be fetching the server first). */
export const PROBE_TIMEOUT_MS = 15_000;
const PROBE_ID = 'mcp-sidecar-probe';

/** The `_meta` of the bridge's own requests to a modern server. */
export const bridgeEnvelope = () => ({
  [META.protocolVersion]: MODERN_PROTOCOL_VERSION,
  [META.clientCapabilities]: {},
  [META.clientInfo]: { name: 'mcp-sidecar', version: BRIDGE_VERSION },
});

/** A DiscoverResult that lists 2026-07-28 (what makes a server modern to the TypeScript and Python SDKs too). */
export function isModernDiscover(result: unknown): result is Record<string, unknown> {
  const versions = (result as { supportedVersions?: unknown } | undefined)?.supportedVersions;
  return Array.isArray(versions) && versions.includes(MODERN_PROTOCOL_VERSION);
}

/** Asks a throwaway connection whether the server speaks 2026-07-28. */
export async function probeUpstreamEra(open: TransportFactory, log: Logger): Promise<'modern' | 'legacy'> {
  let settle: (era: 'modern' | 'legacy') => void = () => undefined;
  const verdict = new Promise<'modern' | 'legacy'>((resolve) => (settle = resolve));
  const transport = open({
    onMessage: ({ message }: { message: JsonRpcMessage }) => {
      if ('id' in message && message.id === PROBE_ID && !('method' in message)) {
        settle(isModernDiscover(message.result) ? 'modern' : 'legacy');
      }
    },
    onInvalidLine: () => undefined,
    onOversize: () => undefined,
    onLog: () => undefined,
    onEnd: () => settle('legacy'),
  });
  const timer = setTimeout(() => settle('legacy'), PROBE_TIMEOUT_MS);
  transport.send({ jsonrpc: '2.0', id: PROBE_ID, method: 'server/discover', params: { _meta: bridgeEnvelope() } });
  const era = await verdict;
  clearTimeout(timer);
  await transport.close();
  log.info(
    { upstreamProtocol: era },
    era === 'modern'
      ? 'the MCP server speaks 2026-07-28: 2026-07-28 requests go to it as they are, on a connection of their own'
      : 'the MCP server speaks the 2025 protocol: 2026-07-28 requests are translated (MRTR for its questions)',
  );
  return era;
}

/** The era to serve 2026-07-28 requests in, from --upstream-protocol (probing when `auto`). */
export function upstreamEra(
  choice: UpstreamProtocol,
  open: TransportFactory,
  log: Logger,
): Promise<'modern' | 'legacy'> {
  return choice === 'auto' ? probeUpstreamEra(open, log) : Promise.resolve(choice);
}

const LIST_FLAGS: readonly [string, string][] = [
  ['tools', 'toolsListChanged'],
  ['prompts', 'promptsListChanged'],
  ['resources', 'resourcesListChanged'],
];

/**
 * A modern server's handshake: server/discover (its answer is what the bridge's own discover is built from), then
 * one subscriptions/listen of the bridge's for the list changes it announces, which the router fans out to every
 * subscriber like a 2025 server's list_changed.
 */
export function modernHandshake(onDiscover: (result: Record<string, unknown>) => void): Handshake {
  return async (target) => {
    const answer = await target.request('server/discover', { _meta: bridgeEnvelope() });
    if (answer.error) throw new Error(`the MCP server refused server/discover: ${answer.error.message}`);
    if (!isModernDiscover(answer.result)) {
      throw new Error(`the MCP server's server/discover answer does not list ${MODERN_PROTOCOL_VERSION}`);
    }
    onDiscover(answer.result);
    const capabilities = (answer.result.capabilities ?? {}) as Record<string, { listChanged?: unknown } | undefined>;
    const notifications: Record<string, boolean> = {};
    for (const [capability, flag] of LIST_FLAGS)
      if (capabilities[capability]?.listChanged === true) notifications[flag] = true;
    if (Object.keys(notifications).length > 0) {
      target.requestOpen('subscriptions/listen', { notifications, _meta: bridgeEnvelope() });
    }
  };
}

/** What the bridge builds its own discover and validation from, out of a modern server's DiscoverResult. */
export function initializeLike(discover: Record<string, unknown>): Record<string, unknown> {
  const meta = discover._meta as Record<string, unknown> | undefined;
  return {
    capabilities: discover.capabilities ?? {},
    serverInfo: meta?.[META.serverInfo],
    ...(typeof discover.instructions === 'string' ? { instructions: discover.instructions } : {}),
  };
}
