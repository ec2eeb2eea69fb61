// The upstream kinds the bridge can reach, in one list. To add a kind: a member of UpstreamSpec in
// packages/contract/src/upstream.ts, a file here that turns its spec into a TransportFactory, and its entry below.

import type { UpstreamKind, UpstreamSpec } from '@mcp-sidecar/contract';

import type { TransportFactory } from '../transport.ts';
import { loadPty, terminalWiring } from './pty.ts';
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
) => TransportFactory | Promise<TransportFactory>;

/**
 * The environment of a server the bridge spawns: the bridge's own, plus PYTHONUNBUFFERED=1 unless it is set (to
 * anything, even empty, which turns it off), because a Python server behind a pipe otherwise holds its answers in
 * its output buffer and every client waits. It changes nothing for servers that are not Python.
 */
export function childEnvironment(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return env['PYTHONUNBUFFERED'] === undefined ? { ...env, PYTHONUNBUFFERED: '1' } : env;
}

const KINDS: { readonly [K in UpstreamKind]: Opener<K> } = {
  spawn: (spec, settings) => {
    const env = childEnvironment();
    return (events) => spawnChild({ command: spec.command, ...settings, env }, events);
  },
  pty: (spec, settings) => {
    const pty = loadPty();
    if ('problem' in pty) throw new Error(pty.problem);
    const env = childEnvironment();
    // A terminal of its own for each server.
    return (events) =>
      spawnChild({ command: spec.command, ...settings, env, wiring: terminalWiring(pty.binding) }, events);
  },
  unix: (spec, settings) => (events) => connectUnix({ path: spec.path, ...settings }, events),
  // Loaded only for an HTTP upstream: the HTTP client (undici) adds ~25 MB to the resident set of every bridge.
  http: async (spec, settings) => {
    const [{ Agent }, { connectHttp }] = await Promise.all([
      import('undici'),
      import('./streamable-http/transport.ts'),
    ]);
    // One connection pool for every session's transport. No header or body timeout: a tool call may take as long
    // as it takes, and SSE streams stay open while idle (the bridge's own limits bound them).
    const dispatcher = new Agent({ headersTimeout: 0, bodyTimeout: 0 });
    return (events) => connectHttp({ url: spec.url, ...settings, dispatcher }, events);
  },
};

/** How to open transports to the configured upstream (each call of the factory is a new server or connection). */
export async function transportFor(spec: UpstreamSpec, settings: TransportSettings): Promise<TransportFactory> {
  const open = KINDS[spec.kind] as Opener<typeof spec.kind>;
  return open(spec, settings);
}

/** What keeps this machine from serving the upstream at all (e.g. --pty without node-pty), in one sentence. */
export function upstreamProblem(spec: UpstreamSpec): string | undefined {
  if (spec.kind !== 'pty') return undefined;
  const pty = loadPty();
  return 'problem' in pty ? pty.problem : undefined;
}
