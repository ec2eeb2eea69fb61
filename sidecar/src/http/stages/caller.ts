// The caller stage: Origin and Host on every request to an MCP path (DNS-rebinding protection, spec 2025-11-25
// "Security Warning"). Each refusal says what to change. The admin port runs the same guards with a stricter
// policy (see `adminGuards`).

import type { IncomingHttpHeaders } from 'node:http';
import { isIP } from 'node:net';

import type { BridgeConfig } from '@mcp-sidecar/contract';

import { type HttpRefusal, refuse } from '../../errors.ts';
import type { Stage } from '../pipeline.ts';

const LOOPBACK_HOSTS = new Set(['localhost', '[::1]', '::1']);
/** 127.0.0.0/8 written as a dotted quad, and nothing else: `127.0.0.1.evil.example` is not loopback. */
const LOOPBACK_IPV4 = /^127\.(25[0-5]|2[0-4]\d|1?\d?\d)\.(25[0-5]|2[0-4]\d|1?\d?\d)\.(25[0-5]|2[0-4]\d|1?\d?\d)$/;
export const isLoopback = (hostname: string): boolean => LOOPBACK_HOSTS.has(hostname) || LOOPBACK_IPV4.test(hostname);
/** `10.1.2.3` or `[fd00::1]`: what a kubelet probe or a Prometheus scrape by pod IP sends. */
const isIpLiteral = (hostname: string): boolean => isIP(hostname.replace(/^\[(.*)\]$/, '$1')) !== 0;

/** `example.com:8080` → `example.com`; `[::1]:8080` → `[::1]`; undefined when it is not a host[:port]. */
function hostnameOf(host: string): string | undefined {
  const match = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(:\d{1,5})?$/.exec(host.trim().toLowerCase());
  return match?.[1];
}

/**
 * Which Host headers are accepted: `loopback` names only (bound to loopback), the `listed` ones only
 * (--allowed-hosts), `any`, or `ip-or-listed` (the admin port bound elsewhere: loopback names, IP literals and
 * --allowed-hosts, so probes and scrapes by pod IP work and a rebinding DNS name does not).
 */
type HostRule = 'loopback' | 'listed' | 'any' | 'ip-or-listed';

export interface CallerPolicy {
  readonly hosts: HostRule;
  readonly allowedHosts: readonly string[];
  /** Browser origins allowed besides the listed ones: loopback ones, or none; `refuse-all` refuses any Origin. */
  readonly origins: 'loopback-and-listed' | 'listed' | 'refuse-all';
  readonly allowedOrigins: readonly string[];
}

type CallerConfig = Pick<BridgeConfig, 'host' | 'allowedOrigins' | 'allowedHosts'>;

/**
 * The MCP port: loopback Host names only when bound to loopback (unless --allowed-hosts lists others), any Host
 * otherwise. Loopback Origins are trusted only when bound to loopback, where any local program can reach the port
 * anyway; bound elsewhere, only --allowed-origins (README: "Origin and Host").
 */
export function mcpPolicy(config: CallerConfig): CallerPolicy {
  const loopback = isLoopback(config.host.toLowerCase());
  const listed = config.allowedHosts.length > 0;
  return {
    hosts: listed ? 'listed' : loopback ? 'loopback' : 'any',
    allowedHosts: config.allowedHosts,
    origins: loopback ? 'loopback-and-listed' : 'listed',
    allowedOrigins: config.allowedOrigins,
  };
}

/** The admin port: no browser at all; loopback names when bound to loopback, else also IP literals and the listed. */
export function adminPolicy(config: Pick<BridgeConfig, 'adminHost' | 'allowedHosts'>): CallerPolicy {
  const loopback = isLoopback(config.adminHost.toLowerCase());
  return {
    hosts: loopback ? 'loopback' : 'ip-or-listed',
    allowedHosts: loopback ? [] : config.allowedHosts,
    origins: 'refuse-all',
    allowedOrigins: [],
  };
}

export class RequestGuards {
  readonly #policy: CallerPolicy;
  readonly #origins: ReadonlySet<string>;
  readonly #hosts: ReadonlySet<string>;

  constructor(policy: CallerPolicy) {
    this.#policy = policy;
    this.#origins = new Set(policy.allowedOrigins);
    this.#hosts = new Set(policy.allowedHosts.map((host) => host.toLowerCase()));
  }

  /** Origin and Host checks, for every method on every path the guards protect. */
  checkCaller(headers: IncomingHttpHeaders): HttpRefusal | undefined {
    const origin = headers.origin;
    if (origin !== undefined && this.#policy.origins === 'refuse-all') return refuse.adminOrigin();
    if (origin !== undefined && !this.#originAllowed(origin)) return refuse.origin(origin);
    const host = headers.host;
    if (!this.#hostAllowed(host)) return refuse.host(host ?? '(none)');
    return undefined;
  }

  #originAllowed(origin: string): boolean {
    if (this.#origins.has('*') || this.#origins.has(origin)) return true;
    if (this.#policy.origins !== 'loopback-and-listed') return false;
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
    const rule = this.#policy.hosts;
    if (this.#hosts.has('*')) return true;
    if (host === undefined) return rule === 'any'; // HTTP/1.0 sends none
    const hostname = hostnameOf(host);
    if (hostname === undefined) return false;
    if (rule === 'any' || this.#hosts.has(hostname) || this.#hosts.has(host.toLowerCase())) return true;
    if (rule === 'loopback') return isLoopback(hostname);
    return rule === 'ip-or-listed' && (isLoopback(hostname) || isIpLiteral(hostname));
  }
}

/** Refuses requests from origins and hosts that are not allowed. */
export function callerStage(config: CallerConfig): Stage {
  const guards = new RequestGuards(mcpPolicy(config));
  return { name: 'caller', run: (exchange) => guards.checkCaller(exchange.req.headers) };
}
