// Where the MCP server is, as one tagged union parsed once: `--upstream` (a URL) or the command after `--`. Every
// part of the bridge that cares about the kind of upstream switches on `kind`; adding a kind is adding a member here
// and a transport in the bridge's upstream/kinds/.

import { fail, ok, type Parsed } from '@mcp-sidecar/cli';

/** What `--upstream` can name (a command is given after `--` instead). */
export interface UnixUpstream {
  readonly kind: 'unix';
  readonly path: string;
}
/** A Streamable HTTP server, usually another container of the same pod. */
export interface HttpUpstream {
  readonly kind: 'http';
  /** The MCP endpoint, normalized (`http://127.0.0.1:3000/mcp`). */
  readonly url: string;
}
export type UpstreamTarget = UnixUpstream | HttpUpstream;

export type UpstreamSpec =
  /** Spawn the command as a child and talk over its stdin/stdout. */
  | { readonly kind: 'spawn'; readonly command: readonly string[] }
  /** An mcp-shim socket: each connection is one server process in another container. */
  | UnixUpstream
  /** Spawn the command with stdin/stdout on a pseudo-terminal (servers that block-buffer a pipe). */
  | { readonly kind: 'pty'; readonly command: readonly string[] }
  /** A Streamable HTTP server: each connection is one upstream HTTP session. */
  | HttpUpstream;

export type UpstreamKind = UpstreamSpec['kind'];

const EXPECTED = 'expected unix:/absolute/path/to/socket or http://127.0.0.1:PORT/path';

export function parseUpstream(raw: string): Parsed<UpstreamTarget | null> {
  const value = raw.trim();
  if (value === '') return ok(null);
  if (value.startsWith('unix:/')) return ok({ kind: 'unix', path: value.slice('unix:'.length) });
  if (/^https?:\/\//i.test(value)) return parseHttpUpstream(value);
  return fail(EXPECTED);
}

function parseHttpUpstream(value: string): Parsed<HttpUpstream> {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return fail(`"${value}" is not a valid URL; ${EXPECTED}`);
  }
  if (url.username || url.password) {
    return fail('credentials in the URL are not supported; the bridge never forwards authorization upstream');
  }
  if (url.hash) return fail('the URL has a #fragment; give the MCP endpoint only, e.g. http://127.0.0.1:3000/mcp');
  return ok({ kind: 'http', url: url.href });
}

export const formatUpstreamTarget = (target: UpstreamTarget | null): string => {
  if (!target) return '';
  return target.kind === 'unix' ? `unix:${target.path}` : target.url;
};

/** What picks the upstream on the bridge's command line, besides the command after `--`. */
export interface UpstreamChoice {
  readonly upstream: UpstreamTarget | null;
  /** --pty: run the command on a pseudo-terminal. */
  readonly pty: boolean;
}

/** The one upstream of a bridge: `--upstream` when given, else the command (the CLI makes sure it is one of them). */
export function upstreamSpec(choice: UpstreamChoice, command: readonly string[]): UpstreamSpec {
  if (choice.upstream) return choice.upstream;
  return { kind: choice.pty ? 'pty' : 'spawn', command };
}

/** How logs and /status name the upstream: `unix:/path`, the URL, or the command line. */
export function describeUpstream(spec: UpstreamSpec): string {
  switch (spec.kind) {
    case 'unix':
      return `unix:${spec.path}`;
    case 'http':
      return spec.url;
    case 'pty':
      return `${spec.command.join(' ')} (on a pseudo-terminal)`;
    default:
      return spec.command.join(' ');
  }
}
