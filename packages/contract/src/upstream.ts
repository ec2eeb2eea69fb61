// Where the MCP server is, as one tagged union parsed once: `--upstream` (a URL) or the command after `--`. Every
// part of the bridge that cares about the kind of upstream switches on `kind`; adding a kind is adding a member here
// and a transport in the bridge's upstream/kinds/.

import { fail, ok, type Parsed } from '@mcp-sidecar/cli';

/** What `--upstream` can name (a command is given after `--` instead). */
export interface UnixUpstream {
  readonly kind: 'unix';
  readonly path: string;
}
export type UpstreamTarget = UnixUpstream;

export type UpstreamSpec =
  /** Spawn the command as a child and talk over its stdin/stdout. */
  | { readonly kind: 'spawn'; readonly command: readonly string[] }
  /** An mcp-shim socket: each connection is one server process in another container. */
  | UnixUpstream
  /** Spawn the command on a pseudo-terminal (servers that block-buffer a pipe). Not served yet. */
  | { readonly kind: 'pty'; readonly command: readonly string[] }
  /** A Streamable HTTP server. Not served yet. */
  | { readonly kind: 'http'; readonly url: string };

export type UpstreamKind = UpstreamSpec['kind'];

export function parseUpstream(raw: string): Parsed<UpstreamTarget | null> {
  const value = raw.trim();
  if (value === '') return ok(null);
  if (value.startsWith('unix:/')) return ok({ kind: 'unix', path: value.slice('unix:'.length) });
  if (/^https?:\/\//.test(value)) {
    return fail('HTTP upstreams are not supported yet; use unix:/path/to/socket, or pass a command after --');
  }
  return fail('expected unix:/absolute/path/to/socket');
}

export const formatUpstreamTarget = (target: UpstreamTarget | null): string => (target ? `unix:${target.path}` : '');

/** The one upstream of a bridge: `--upstream` when given, else the command (the CLI makes sure it is one of them). */
export function upstreamSpec(target: UpstreamTarget | null, command: readonly string[]): UpstreamSpec {
  return target ?? { kind: 'spawn', command };
}

/** How logs and /status name the upstream: `unix:/path`, the URL, or the command line. */
export function describeUpstream(spec: UpstreamSpec): string {
  switch (spec.kind) {
    case 'unix':
      return `unix:${spec.path}`;
    case 'http':
      return spec.url;
    default:
      return spec.command.join(' ');
  }
}
