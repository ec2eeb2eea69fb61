// The upstream kinds the bridge can reach, in one list. To add a kind: a member of UpstreamSpec in
// packages/contract/src/upstream.ts, a file here that turns its spec into a TransportFactory, and its entry below.

import type { UpstreamKind, UpstreamSpec } from '@mcp-sidecar/contract';

import { Agent } from 'undici';

import type { TransportFactory } from '../transport.ts';
import { connectHttp } from './http/transport.ts';
import { spawnChild } from './spawn.ts';
import { connectUnix } from './unix.ts';

export interface TransportSettings {
  /** --max-message-size: the longest message either way. */
  readonly maxMessageSize: number;
}

type Opener<K extends UpstreamKind> = (
  spec: Extract<UpstreamSpec, { kind: K }>,
  settings: TransportSettings,
) => TransportFactory;

const KINDS: { readonly [K in UpstreamKind]?: Opener<K> } = {
  spawn:
    (spec, { maxMessageSize }) =>
    (events) =>
      spawnChild({ command: spec.command, maxMessageSize }, events),
  unix:
    (spec, { maxMessageSize }) =>
    (events) =>
      connectUnix({ path: spec.path, maxMessageSize }, events),
  http: (spec, { maxMessageSize }) => {
    // One connection pool for every session's transport. No header or body timeout: a tool call may take as long
    // as it takes, and SSE streams stay open while idle (the bridge's own limits bound them).
    const dispatcher = new Agent({ headersTimeout: 0, bodyTimeout: 0 });
    return (events) => connectHttp({ url: spec.url, maxMessageSize, dispatcher }, events);
  },
};

/** How to open transports to the configured upstream (each call of the factory is a new server or connection). */
export function transportFor(spec: UpstreamSpec, settings: TransportSettings): TransportFactory {
  const open = KINDS[spec.kind] as Opener<typeof spec.kind> | undefined;
  // The command line refuses the kinds that have no transport yet, with a message that says so.
  if (!open) throw new Error(`${spec.kind} upstreams are not supported yet`);
  return open(spec, settings);
}
