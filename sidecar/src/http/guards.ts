// Checks every MCP request passes before anything else: Origin and Host (DNS-rebinding protection, spec
// 2025-11-25 "Security Warning"), the media types, and the protocol version header. Each failing check comes
// with the HTTP status and a message that says what to change.

import type { IncomingHttpHeaders } from 'node:http';

import type { BridgeConfig } from '@mcp-sidecar/contract';
import { isSupportedProtocolVersion, SUPPORTED_PROTOCOL_VERSIONS } from '@mcp-sidecar/protocol';

export interface Refusal {
  readonly status: 400 | 403 | 406 | 415;
  readonly message: string;
}

const LOOPBACK_HOSTS = new Set(['localhost', '[::1]', '::1']);
/** 127.0.0.0/8 written as a dotted quad, and nothing else: `127.0.0.1.evil.example` is not loopback. */
const LOOPBACK_IPV4 = /^127\.(25[0-5]|2[0-4]\d|1?\d?\d)\.(25[0-5]|2[0-4]\d|1?\d?\d)\.(25[0-5]|2[0-4]\d|1?\d?\d)$/;
const isLoopback = (hostname: string): boolean => LOOPBACK_HOSTS.has(hostname) || LOOPBACK_IPV4.test(hostname);

/** `example.com:8080` → `example.com`; `[::1]:8080` → `[::1]`; undefined when it is not a host[:port]. */
function hostnameOf(host: string): string | undefined {
  const match = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(:\d{1,5})?$/.exec(host.trim().toLowerCase());
  return match?.[1];
}

export class RequestGuards {
  readonly #origins: ReadonlySet<string>;
  readonly #hosts: ReadonlySet<string>;
  /** Bound to loopback and no explicit host list: only loopback Host headers are accepted. */
  readonly #loopbackOnly: boolean;

  constructor(config: Pick<BridgeConfig, 'host' | 'allowedOrigins' | 'allowedHosts'>) {
    this.#origins = new Set(config.allowedOrigins);
    this.#hosts = new Set(config.allowedHosts.map((host) => host.toLowerCase()));
    this.#loopbackOnly = this.#hosts.size === 0 && isLoopback(config.host.toLowerCase());
  }

  /** Origin and Host checks, for every method on every MCP path. */
  checkCaller(headers: IncomingHttpHeaders): Refusal | undefined {
    const origin = headers.origin;
    if (origin !== undefined && !this.#originAllowed(origin)) {
      return {
        status: 403,
        message: `Forbidden: Origin ${origin} is not allowed; start the bridge with --allowed-origins ${origin} to allow it`,
      };
    }
    const host = headers.host;
    if (!this.#hostAllowed(host)) {
      const shown = host ?? '(none)';
      return {
        status: 403,
        message: `Forbidden: Host ${shown} is not allowed (DNS rebinding protection); use --allowed-hosts to allow it`,
      };
    }
    return undefined;
  }

  #originAllowed(origin: string): boolean {
    if (this.#origins.has('*') || this.#origins.has(origin)) return true;
    try {
      const url = new URL(origin);
      // A real Origin is exactly scheme://host[:port]; anything with a path, credentials or junk is refused.
      const exact = url.origin === origin.toLowerCase();
      return exact && (url.protocol === 'http:' || url.protocol === 'https:') && isLoopback(url.hostname);
    } catch {
      return false;
    }
  }

  #hostAllowed(host: string | undefined): boolean {
    if (this.#hosts.has('*')) return true;
    if (host === undefined) return !this.#loopbackOnly && this.#hosts.size === 0;
    const hostname = hostnameOf(host);
    if (hostname === undefined) return false;
    if (this.#hosts.size > 0) return this.#hosts.has(hostname) || this.#hosts.has(host.toLowerCase());
    return !this.#loopbackOnly || isLoopback(hostname);
  }
}

function mediaTypes(accept: string | undefined): string[] {
  if (accept === undefined) return ['*/*'];
  return accept.split(',').map((part) => (part.split(';')[0] ?? '').trim().toLowerCase());
}

/** POST: the client must take both answer forms, JSON and SSE (spec: the Accept header lists both). */
export function checkPostAccept(accept: string | undefined): Refusal | undefined {
  const types = mediaTypes(accept);
  const json = types.some((type) => type === 'application/json' || type === 'application/*' || type === '*/*');
  const sse = types.some((type) => type === 'text/event-stream' || type === 'text/*' || type === '*/*');
  if (json && sse) return undefined;
  return {
    status: 406,
    message: 'Not Acceptable: the Accept header must list both application/json and text/event-stream',
  };
}

export function checkGetAccept(accept: string | undefined): Refusal | undefined {
  const types = mediaTypes(accept);
  if (types.some((type) => type === 'text/event-stream' || type === 'text/*' || type === '*/*')) return undefined;
  return { status: 406, message: 'Not Acceptable: a GET stream needs an Accept header that lists text/event-stream' };
}

export function checkContentType(contentType: string | undefined): Refusal | undefined {
  const type = (contentType?.split(';')[0] ?? '').trim().toLowerCase();
  if (type === 'application/json') return undefined;
  return {
    status: 415,
    message: 'Unsupported Media Type: send the JSON-RPC message with Content-Type: application/json',
  };
}

/** Unsupported versions are refused; a missing header means the session's own (spec: assume 2025-03-26). */
export function checkProtocolVersion(header: string | string[] | undefined): Refusal | undefined {
  if (header === undefined) return undefined;
  const version = Array.isArray(header) ? header[0] : header;
  if (version !== undefined && isSupportedProtocolVersion(version)) return undefined;
  const supported = SUPPORTED_PROTOCOL_VERSIONS.join(', ');
  return {
    status: 400,
    message: `Bad Request: unsupported MCP-Protocol-Version "${version}"; this bridge serves ${supported}`,
  };
}
