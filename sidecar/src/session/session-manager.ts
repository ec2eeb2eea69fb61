// The session table: opens sessions on initialize (binding each to the shared upstream, a warm pooled one, or
// a cold one), enforces --max-sessions, ends sessions on DELETE, idleness or upstream death, and runs the
// periodic work (SSE keep-alives, turning long calls into streams, reaping idle sessions).

import { randomUUID } from 'node:crypto';

import type { BridgeConfig } from '@mcp-sidecar/contract';
import {
  isSupportedProtocolVersion,
  type JsonRpcMessage,
  type JsonRpcRequest,
  LATEST_PROTOCOL_VERSION,
} from '@mcp-sidecar/protocol';

import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import type { ClientCapabilities } from '../router/types.ts';
import type { UpstreamPool } from '../upstream/pool.ts';
import type { Upstream } from '../upstream/upstream.ts';
import { Session, type Transport } from './session.ts';
import { KEEPALIVE_COMMENT } from './sse.ts';

/** Why a session could not be opened, as an HTTP answer. */
export interface OpenRefusal {
  readonly status: 503;
  readonly retryAfterSeconds: number;
  readonly message: string;
}

export type EndReason = 'deleted' | 'idle' | 'upstream_exited' | 'shutdown' | 'client_disconnected';

export interface SessionManagerOptions {
  readonly config: BridgeConfig;
  readonly log: Logger;
  readonly metrics: Metrics;
  /** shared mode: the one upstream every session uses. */
  readonly shared?: Upstream;
  /** per-session mode: the warm pool, and how to make a cold upstream when it has none to give. */
  readonly pool?: UpstreamPool;
  readonly createUpstream: () => Upstream;
}

const TICK_MS = 500;
/** How long an initialize waits for a shared upstream that is (re)starting before answering 503. */
const READY_WAIT_MS = 30_000;

export class SessionManager {
  readonly #sessions = new Map<string, Session>();
  readonly #options: SessionManagerOptions;
  #opening = 0;
  /** Upstreams being closed (per-session mode), awaited on shutdown so no child outlives the bridge. */
  readonly #closing = new Set<Promise<void>>();
  #timer: NodeJS.Timeout | undefined;
  #keepaliveTimer: NodeJS.Timeout | undefined;

  constructor(options: SessionManagerOptions) {
    this.#options = options;
  }

  get size(): number {
    return this.#sessions.size;
  }

  sessions(): IterableIterator<Session> {
    return this.#sessions.values();
  }

  get(id: string): Session | undefined {
    return this.#sessions.get(id);
  }

  startTicking(): void {
    this.#timer = setInterval(() => this.#tick(), TICK_MS);
    this.#timer.unref();
    // Keep-alives on their own timer, so --sse-keepalive means exactly what it says.
    this.#keepaliveTimer = setInterval(() => {
      for (const session of this.#sessions.values()) session.keepalive(KEEPALIVE_COMMENT);
    }, this.#options.config.sseKeepalive);
    this.#keepaliveTimer.unref();
  }

  /** Opens a session for an initialize request; the request itself is then routed like any other. */
  async open(
    transport: Transport,
    initialize: JsonRpcRequest,
    id: string = randomUUID(),
  ): Promise<Session | OpenRefusal> {
    const max = this.#options.config.maxSessions;
    if (this.#sessions.size + this.#opening >= max) {
      this.#options.metrics.sessionsRejected.inc();
      const message = `mcp-sidecar already has ${max} open sessions (--max-sessions); retry later, or end unused sessions with DELETE`;
      return { status: 503, retryAfterSeconds: 5, message };
    }
    this.#opening += 1;
    try {
      const requested = initialize.params?.protocolVersion;
      const upstream = await this.#upstreamFor(requested);
      if ('status' in upstream) return upstream;
      // A provisional version; settled from the initialize answer (the router may echo an older request).
      const version = isVersion(requested) ? requested : (upstream.negotiatedVersion ?? LATEST_PROTOCOL_VERSION);
      return this.#create(id, transport, upstream, version, capabilitiesOf(initialize.params));
    } finally {
      this.#opening -= 1;
    }
  }

  /** Ends a session: closes its streams, releases its upstream state (per-session: stops its upstream). */
  close(id: string, reason: EndReason): boolean {
    const session = this.#sessions.get(id);
    if (!session) return false;
    this.#sessions.delete(id);
    session.closeStreams();
    if (this.#options.shared) session.upstream.closeSession(id);
    else this.#track(session.upstream.close());
    this.#options.metrics.sessionsEnded.inc({ reason });
    const lifetimeMs = Date.now() - session.createdAt;
    this.#options.log.info({ session: id, reason, lifetimeMs }, 'session ended');
    return true;
  }

  /** Delivers a message to a session's standalone stream (used by the upstreams' routers). */
  notify(sessionId: string, message: JsonRpcMessage): void {
    this.#sessions.get(sessionId)?.notify(message);
  }

  /** per-session mode: stops every session's upstream (their requests in flight get errors), sessions stay. */
  async closeUpstreams(): Promise<void> {
    if (this.#options.shared) return;
    await Promise.all([...this.#sessions.values()].map((session) => session.upstream.close()));
  }

  async closeAll(): Promise<void> {
    clearInterval(this.#timer);
    clearInterval(this.#keepaliveTimer);
    for (const id of [...this.#sessions.keys()]) this.close(id, 'shutdown');
    await Promise.all(this.#closing);
  }

  #track(closing: Promise<void>): void {
    this.#closing.add(closing);
    void closing.finally(() => this.#closing.delete(closing));
  }

  async #upstreamFor(requested: unknown): Promise<Upstream | OpenRefusal> {
    const { shared, pool } = this.#options;
    if (shared) {
      if (await shared.whenReady(READY_WAIT_MS)) return shared;
      const why = shared.lastError ?? 'it is still starting';
      return { status: 503, retryAfterSeconds: 2, message: `the MCP server is not ready (${why}); retry shortly` };
    }
    const warm = await pool?.acquire(requested);
    if (warm) return warm;
    // A cold upstream: the client's own initialize goes to it verbatim and negotiates the version itself.
    const cold = this.#options.createUpstream();
    await cold.start('cold');
    return cold;
  }

  #create(
    id: string,
    transport: Transport,
    upstream: Upstream,
    version: string,
    capabilities: ClientCapabilities,
  ): Session {
    const { config, metrics } = this.#options;
    const session = new Session({
      id,
      transport,
      upstream,
      protocolVersion: version,
      eventStoreSize: config.eventStoreSize,
      onLost: (reason) => metrics.dropped.inc({ reason }),
    });
    upstream.router.openSession(session.id, capabilities);
    if (!this.#options.shared) upstream.onEnd = () => this.close(session.id, 'upstream_exited');
    this.#sessions.set(session.id, session);
    metrics.sessionsStarted.inc({ transport });
    this.#options.log.info({ session: session.id, transport, upstream: upstream.description }, 'session started');
    return session;
  }

  #tick(): void {
    const now = performance.now();
    const idleBefore = Date.now() - this.#options.config.sessionIdleTimeout;
    for (const session of [...this.#sessions.values()]) {
      session.upgradeLongCalls(now);
      if (session.idle && session.lastActivity < idleBefore) this.close(session.id, 'idle');
    }
  }
}

const isVersion = (value: unknown): value is string => typeof value === 'string' && isSupportedProtocolVersion(value);

function capabilitiesOf(params: Record<string, unknown> | undefined): ClientCapabilities {
  const declared = (params?.capabilities ?? {}) as Record<string, unknown>;
  return {
    sampling: declared.sampling !== undefined,
    elicitation: declared.elicitation !== undefined,
    roots: declared.roots !== undefined,
  };
}
