// Builds the 2026-07-28 side of a bridge from its configuration: the requestState key (--state-key-file, or one made
// at start), the replica's name, the lane that lends upstreams, the calls table and the listen hub.

import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';

import type { SessionManagerOptions } from '../session/session-manager.ts';
import { Upstream, type UpstreamOptions } from '../upstream/upstream.ts';
import { ModernCalls } from './calls.ts';
import { type ModernLane, PooledLane, SharedLane } from './lanes.ts';
import { ListenHub } from './listen-hub.ts';
import { DeferredLane, NativeLane } from './native-lane.ts';
import { ModernService } from './service.ts';
import { type EraDetector, modernHandshake } from './upstream-era.ts';

/** HMAC-SHA256 keys shorter than its output weaken it (RFC 2104 §3). */
export const MIN_STATE_KEY_BYTES = 32;

/** What the session table is built from, and how a 2026-07-28 server's own upstream would be. */
export interface ModernParts extends SessionManagerOptions {
  /** How the bridge's upstreams are made, for a 2026-07-28 server's own connection. */
  readonly upstreamOptions: Omit<UpstreamOptions, 'onEnded'>;
  /** Tells the server's era (--upstream-protocol; with auto, the first handshake's probe). */
  readonly detector: EraDetector;
}

/** The key that signs requestState: the file's bytes, or 32 random bytes when no file is configured. */
export async function stateKey(path: string): Promise<Uint8Array> {
  if (path === '') return randomBytes(MIN_STATE_KEY_BYTES);
  let key: Buffer;
  try {
    key = await readFile(path);
  } catch (error) {
    throw new Error(`--state-key-file ${path} cannot be read: ${(error as Error).message}`, { cause: error });
  }
  if (key.length < MIN_STATE_KEY_BYTES) {
    throw new Error(
      `--state-key-file ${path} holds ${key.length} bytes; the key must be at least ${MIN_STATE_KEY_BYTES} (e.g. head -c 32 /dev/urandom > ${path})`,
    );
  }
  return key;
}

/** The lane for a 2025-era server: the shared upstream, or upstreams lent from the warm pool. */
function translatingLane(parts: ModernParts): ModernLane {
  if (parts.shared) return new SharedLane(parts.shared);
  const { config, log, pool, createUpstream } = parts;
  if (!pool) throw new Error('per-session mode needs the warm pool');
  const idleTimeoutMs = config.sessionIdleTimeout;
  return new PooledLane({ pool, create: createUpstream, maxLent: config.maxSessions, idleTimeoutMs, log });
}

/** --upstream-protocol: legacy translates; modern (or auto, when the probe says so) serves the server natively. */
function laneFor(parts: ModernParts): ModernLane {
  const { config, upstreamOptions, detector } = parts;
  if (config.upstreamProtocol === 'legacy') return translatingLane(parts);
  const native = () =>
    new NativeLane(
      (onDiscover) =>
        new Upstream({ ...upstreamOptions, exclusive: false, restart: true, handshake: modernHandshake(onDiscover) }),
    );
  // No handshake runs at start-up to carry the probe: ask a throwaway connection.
  if (config.sessionMode === 'per-session' && config.poolMin === 0) void detector.probeAlone(upstreamOptions.open);
  return new DeferredLane(detector.era.then((era) => (era === 'modern' ? native() : translatingLane(parts))));
}

export async function modernService(parts: ModernParts): Promise<ModernService> {
  const { config, log, metrics } = parts;
  const lane = laneFor(parts);
  const calls = new ModernCalls({
    stateKey: await stateKey(config.stateKeyFile),
    replica: config.replicaId === '' ? hostname() : config.replicaId,
    inputTimeoutMs: config.inputTimeout,
    maxInputWaits: config.maxInputWaits,
    lane,
    metrics,
    log,
  });
  return new ModernService({ lane, calls, hub: new ListenHub(lane, config.maxSessions, metrics) });
}
