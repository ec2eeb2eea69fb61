// The upstream kinds the bridge can reach, in one list. To add a kind: a member of UpstreamSpec in
// packages/contract/src/upstream.ts, a file here that turns its spec into a TransportFactory, and its entry below.

import type { UpstreamKind, UpstreamSpec } from '@mcp-sidecar/contract';

import type { TransportFactory } from '../transport.ts';
import { spawnChild } from './spawn.ts';
import { connectUnix } from './unix.ts';

export interface TransportSettings {
  /** --max-message-size: the longest message either way. */
  readonly maxMessageSize: number;
  /** --max-json-depth: deeper server messages are skipped, never forwarded. */
  readonly maxJsonDepth?: number;
}

type Opener<K extends UpstreamKind> = (
  spec: Extract<UpstreamSpec, { kind: K }>,
  settings: TransportSettings,
) => TransportFactory;

const KINDS: { readonly [K in UpstreamKind]?: Opener<K> } = {
  spawn: (spec, settings) => (events) => spawnChild({ command: spec.command, ...settings }, events),
  unix: (spec, settings) => (events) => connectUnix({ path: spec.path, ...settings }, events),
};

/** How to open transports to the configured upstream (each call of the factory is a new server or connection). */
export function transportFor(spec: UpstreamSpec, settings: TransportSettings): TransportFactory {
  const open = KINDS[spec.kind] as Opener<typeof spec.kind> | undefined;
  // The command line refuses the kinds that have no transport yet, with a message that says so.
  if (!open) throw new Error(`${spec.kind} upstreams are not supported yet`);
  return open(spec, settings);
}
