// The caller stage: Origin and Host on every request to an MCP path (DNS-rebinding protection, spec 2025-11-25
// "Security Warning"). Each refusal says what to change.

import type { IncomingHttpHeaders } from 'node:http';

import type { BridgeConfig } from '@mcp-sidecar/contract';

import { type HttpRefusal, refuse } from '../../errors.ts';
import type { Stage } from '../pipeline.ts';

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
  checkCaller(headers: IncomingHttpHeaders): HttpRefusal | undefined {
    const origin = headers.origin;
    if (origin !== undefined && !this.#originAllowed(origin)) return refuse.origin(origin);
    const host = headers.host;
    if (!this.#hostAllowed(host)) return refuse.host(host ?? '(none)');
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

/** Refuses requests from origins and hosts that are not allowed. */
export function callerStage(config: Pick<BridgeConfig, 'host' | 'allowedOrigins' | 'allowedHosts'>): Stage {
  const guards = new RequestGuards(config);
  return { name: 'caller', run: (exchange) => guards.checkCaller(exchange.req.headers) };
}
