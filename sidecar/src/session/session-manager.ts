// The session table, and the one owner of session state: opens sessions on initialize (binding each to the shared
// upstream, a warm pooled one, or a cold one), enforces --max-sessions, ends sessions on DELETE, idleness or
// upstream death, and runs the periodic work (SSE keep-alives, turning long calls into streams, reaping idle
// sessions). A session joins its upstream's router when it is made and leaves it here, when it ends.

import { randomUUID } from 'node:crypto';

import type { BridgeConfig } from '@mcp-sidecar/contract';
import { isSupportedProtocolVersion, type JsonRpcRequest, LATEST_PROTOCOL_VERSION } from '@mcp-sidecar/protocol';

import { ANONYMOUS, type Identity } from '../context.ts';
import { HttpRefusal, refuse } from '../errors.ts';
import { principalOf } from '../identity/identity.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import type { ClientCapabilities } from '../router/types.ts';
import type { UpstreamFactory, UpstreamPool } from '../upstream/pool.ts';
import type { Upstream } from '../upstream/upstream.ts';
import { BufferBudget, type StreamBounds, streamBounds } from './bounded-writer.ts';
import type { LegacyStream } from './legacy-stream.ts';
import { type EndReason, Session, type SessionListener, type Transport } from './session.ts';
import { KEEPALIVE_COMMENT } from './sse.ts';

export type { EndReason };

/** How a new session is reached: the legacy transport names its id (sent in the endpoint event) and its stream. */
export interface OpenOptions {
  readonly id?: string;
  readonly legacy?: LegacyStream;
  /** Who opens the session: it is bound to this caller. */
  readonly identity?: Identity;
}

export interface SessionManagerOptions {
  readonly config: BridgeConfig;
  readonly log: Logger;
  readonly metrics: Metrics;
  /** shared mode: the one upstream every session uses. */
  readonly shared?: Upstream;
  /** per-session mode: the warm pool, and how to make a cold upstream when it has none to give. */
  readonly pool?: UpstreamPool;
  readonly createUpstream: UpstreamFactory;
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
  /** Every session reports to the table through this one listener. */
  readonly #listener: SessionListener;
  /** --max-stream-buffers, shared by every session's streams. */
  readonly #buffers: BufferBudget;

  constructor(options: SessionManagerOptions) {
    this.#options = options;
    this.#buffers = new BufferBudget(options.config.maxStreamBuffers);
    this.#listener = {
      lost: (reason, count) => options.metrics.dropped.inc({ reason }, count),
      ended: (session, reason) => void this.close(session.id, reason),
    };
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

  /**
   * The session `id` when `identity` is the caller that opened it. Another caller gets undefined, exactly as for a
   * session that does not exist (so session ids cannot be probed), and the attempt is logged.
   */
  find(id: string, identity: Identity): Session | undefined {
    const session = this.#sessions.get(id);
    if (!session) return undefined;
    const principal = principalOf(identity);
    if (session.principal === principal) return session;
    this.#options.log.warn(
      { session: id, caller: principal, owner: session.principal },
      'refused a request naming a session another caller opened (answered 404)',
    );
    return undefined;
  }

  /** How far the streams of session `id` may fall behind (the legacy stream is made before its session). */
  boundsFor(id: string): StreamBounds {
    const { config, metrics, log } = this.#options;
    return streamBounds(config, this.#buffers, metrics, log, id);
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
    options: OpenOptions = {},
  ): Promise<Session | HttpRefusal> {
    const max = this.#options.config.maxSessions;
    if (this.#sessions.size + this.#opening >= max) {
      this.#options.metrics.sessionsRejected.inc();
      return refuse.tooManySessions(max);
    }
    this.#opening += 1;
    try {
      const requested = initialize.params?.protocolVersion;
      const upstream = await this.#upstreamFor(requested);
      if (upstream instanceof HttpRefusal) return upstream;
      // A provisional version; settled from the initialize answer (the router may echo an older request).
      const protocolVersion = isVersion(requested)
        ? requested
        : (upstream.negotiatedVersion ?? LATEST_PROTOCOL_VERSION);
      const capabilities = capabilitiesOf(initialize.params);
      return this.#create({
        legacy: options.legacy,
        principal: principalOf(options.identity ?? ANONYMOUS),
        id: options.id ?? randomUUID(),
        transport,
        upstream,
        protocolVersion,
        capabilities,
      });
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
    if (this.#options.shared) session.upstream.closeSession(session.route);
    else this.#track(session.upstream.close());
    this.#options.metrics.sessionsEnded.inc({ reason });
    const lifetimeMs = Date.now() - session.createdAt;
    this.#options.log.info({ session: id, reason, lifetimeMs }, 'session ended');
    return true;
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

  async #upstreamFor(requested: unknown): Promise<Upstream | HttpRefusal> {
    const { shared, pool } = this.#options;
    if (shared) {
      if (await shared.whenReady(READY_WAIT_MS)) return shared;
      return refuse.upstreamNotReady(shared.lastError ?? 'it is still starting');
    }
    const warm = await pool?.acquire(requested);
    if (warm) return warm;
    // A cold upstream: the client's own initialize goes to it verbatim and negotiates the version itself.
    const cold = this.#options.createUpstream();
    await cold.start('cold');
    return cold;
  }

  #create(parts: {
    id: string;
    transport: Transport;
    upstream: Upstream;
    protocolVersion: string;
    capabilities: ClientCapabilities;
    principal: string;
    legacy?: LegacyStream;
  }): Session {
    const session = new Session({ ...parts, bounds: this.boundsFor(parts.id), listener: this.#listener });
    const { id, transport, upstream } = parts;
    this.#sessions.set(id, session);
    this.#options.metrics.sessionsStarted.inc({ transport });
    this.#options.log.info({ session: id, transport, upstream: upstream.description }, 'session started');
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
