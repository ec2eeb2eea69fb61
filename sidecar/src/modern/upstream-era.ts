// A server that speaks 2026-07-28 itself. With --upstream-protocol auto, the bridge's first handshake with the
// server asks `server/discover` before `initialize` (stdio.mdx "Backward Compatibility": dual-era clients probe with
// server/discover and fall back to initialize): a DiscoverResult listing 2026-07-28 means modern, anything else (an
// error, junk, no answer within PROBE_TIMEOUT_MS) means legacy, and the handshake carries on with initialize on the
// same connection, so a 2025 server costs no extra process. A connection that ends before answering (no shim socket
// yet, a command that cannot start) decides nothing: the handshake fails and is retried like any other. A server picks its era from the first
// request of a connection and keeps it, so a modern server's probed connection is given up for a fresh one for
// `initialize`, and 2026-07-28 requests get a connection of their own, opened with server/discover: each era is
// served natively, nothing is translated. Where no handshake runs at start-up (per-session, --pool-min 0) the probe
// uses one throwaway connection instead, and there a connection that ends unanswered counts as legacy (nothing
// retries it; such a server's 2026-07-28 requests are then translated, which works, only not natively).

import type { UpstreamProtocol } from '@mcp-sidecar/contract';
import type { JsonRpcMessage } from '@mcp-sidecar/protocol';

import { MODERN_PROTOCOL_VERSION } from '../era/classify.ts';
import { META } from '../era/envelope.ts';
import type { Logger } from '../log.ts';
import type { TransportFactory } from '../upstream/transport.ts';
import { type Handshake, warmUp } from '../upstream/warmup.ts';
import { BRIDGE_VERSION } from '../version.ts';

/** How long the probe waits for server/discover's answer (the server is already up: it runs in the handshake). */
export const PROBE_TIMEOUT_MS = 10_000;
const PROBE_ID = 'mcp-sidecar-probe';

type Era = 'modern' | 'legacy';

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

const discoverRequest = () => ({
  jsonrpc: '2.0' as const,
  method: 'server/discover',
  params: { _meta: bridgeEnvelope() },
});

/** The server's era, once the first probe has told it; --upstream-protocol legacy or modern decides at once. */
export class EraDetector {
  readonly era: Promise<Era>;
  #settle: (era: Era) => void = () => undefined;
  #settled = false;
  readonly #log: Logger;

  constructor(choice: UpstreamProtocol, log: Logger) {
    this.#log = log;
    this.era = new Promise<Era>((resolve) => (this.#settle = resolve));
    if (choice !== 'auto') this.settle(choice, false);
  }

  get settled(): boolean {
    return this.#settled;
  }

  settle(era: Era, probed = true): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#settle(era);
    if (!probed) return;
    this.#log.info(
      { upstreamProtocol: era },
      era === 'modern'
        ? 'the MCP server speaks 2026-07-28: 2026-07-28 requests go to it as they are, on a connection of their own'
        : 'the MCP server speaks the 2025 protocol: 2026-07-28 requests are translated (MRTR for its questions)',
    );
  }

  /** Settles from a throwaway connection's answer (when no handshake runs at start-up). */
  async probeAlone(open: TransportFactory): Promise<void> {
    if (this.#settled) return;
    this.settle(await probeThrowaway(open));
  }
}

const eraOf = (result: unknown): Era => (isModernDiscover(result) ? 'modern' : 'legacy');

/**
 * The 2025 handshake of a bridge that does not know the server's era yet: server/discover first; a modern answer
 * gives the connection up for a fresh one; then initialize and the warm-up as always.
 */
export function probingHandshake(detector: EraDetector): Handshake {
  return async (target, calls) => {
    if (!detector.settled) {
      const answer = await target.probe(discoverRequest(), PROBE_TIMEOUT_MS);
      const era = eraOf(answer?.result);
      detector.settle(era);
      if (era === 'modern') await target.reconnect();
    }
    await warmUp(target, calls);
  };
}

/** Asks a throwaway connection whether the server speaks 2026-07-28. */
async function probeThrowaway(open: TransportFactory): Promise<Era> {
  let settle: (era: Era) => void = () => undefined;
  const verdict = new Promise<Era>((resolve) => (settle = resolve));
  const transport = open({
    onMessage: ({ message }: { message: JsonRpcMessage }) => {
      if ('id' in message && message.id === PROBE_ID && !('method' in message)) settle(eraOf(message.result));
    },
    onInvalidLine: () => undefined,
    onOversize: () => undefined,
    onLog: () => undefined,
    onEnd: () => settle('legacy'),
  });
  const timer = setTimeout(() => settle('legacy'), PROBE_TIMEOUT_MS);
  transport.send({ ...discoverRequest(), id: PROBE_ID });
  const era = await verdict;
  clearTimeout(timer);
  await transport.close();
  return era;
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
