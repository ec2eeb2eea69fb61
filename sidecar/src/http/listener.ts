// The one place the bridge's HTTP servers are made, with their socket limits: headers and body timeouts,
// keep-alive, the size of a request head, and the number of connections. The MCP port is plain HTTP, or HTTPS when
// --tls-cert is given; the admin port is always plain HTTP (probes).
//
// SSE answers are long-lived by design, so nothing here limits a response: Node's requestTimeout only runs until the
// request has been received, and the socket inactivity timeout is off. Requests that cannot be parsed (a head over
// --max-header-size, a client too slow to send its head or body, bytes that are not HTTP) are answered with a proper
// status and a JSON-RPC error body, then the connection is half-closed and read for a moment before it is destroyed:
// closing at once with the client's bytes unread makes the kernel send a reset, and the client would see "connection
// reset" instead of the 431.

import { createServer, type RequestListener, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { Server as TlsServer } from 'node:tls';

import type { BridgeConfig } from '@mcp-sidecar/contract';
import type { TlsFileContents } from '@mcp-sidecar/edge';

import { type HttpRefusal, refuse } from '../errors.ts';
import { rawRefusal, refuseWith } from './replies.ts';
import { type TlsSettings, tlsOptions } from './tls.ts';

export type McpServer = HttpServer | HttpsServer;

export type SocketLimits = Pick<
  BridgeConfig,
  'headersTimeout' | 'bodyTimeout' | 'keepAliveTimeout' | 'maxHeaderSize' | 'maxConnections'
>;

/** Why a connection was answered and closed before its request reached an endpoint. */
export type ConnectionRefusal = 'too_many_connections' | 'headers_too_large' | 'read_timeout' | 'bad_http';

/** How long a refused connection is still read (and its bytes dropped) after the answer, so it ends without a reset. */
const LINGER_MS = 1_000;
/** Beyond --max-connections, this many more connections are accepted only to be answered 503; past that, dropped. */
const REFUSAL_HEADROOM = 64;

/** Node checks its header and body deadlines on a timer: every tenth of the timeout, between 100 ms and 1 s. */
const checkingInterval = (limits: SocketLimits): number =>
  Math.min(1_000, Math.max(100, Math.floor(Math.min(limits.headersTimeout, limits.bodyTimeout) / 10)));

export function createListener(
  handler: RequestListener,
  limits: SocketLimits,
  refused: (reason: ConnectionRefusal) => void,
  tls?: TlsSettings,
): McpServer {
  const interval = checkingInterval(limits);
  // Deadlines are checked on a timer, so they fire up to one interval late; starting them one interval early makes
  // "closed within --headers-timeout" hold.
  const early = (timeout: number) => Math.max(1, timeout - interval);
  const bodyTimeout = early(limits.bodyTimeout);
  const connections = new ConnectionLimit(limits.maxConnections, refused);
  const options = {
    headersTimeout: Math.min(early(limits.headersTimeout), bodyTimeout),
    requestTimeout: bodyTimeout,
    keepAliveTimeout: limits.keepAliveTimeout,
    maxHeaderSize: limits.maxHeaderSize,
    connectionsCheckingInterval: interval,
  };
  const guarded = connections.guard(handler);
  const server = tls
    ? // A TLS handshake gets no more time than the headers that follow it would.
      createHttpsServer(
        { ...options, ...tlsOptions(tls.watcher.initial, tls.clientAuth), handshakeTimeout: limits.headersTimeout },
        guarded,
      )
    : createServer(options, guarded);
  // SSE streams are long-lived by design; the socket timeout must not cut them.
  server.setTimeout(0);
  connections.watch(server);
  const close = (socket: Duplex, refusal: HttpRefusal | undefined) => {
    if (answerAndClose(socket, refusal) && refusal) refused(refusal.code as ConnectionRefusal);
  };
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) =>
    close(socket, clientRefusal(error, limits)),
  );
  firstHeadersDeadline(server, limits.headersTimeout, (socket) =>
    close(socket, refuse.readTimeout(limits.headersTimeout, limits.bodyTimeout)),
  );
  return server;
}

/** New certificate files: new connections get them; open connections keep the context they shook hands with. */
export function reloadTls(server: McpServer, contents: TlsFileContents, tls: TlsSettings): void {
  (server as HttpsServer).setSecureContext(tlsOptions(contents, tls.clientAuth));
}

/**
 * Calls `accepted` with each connection as requests will see it (`req.socket`): the TCP socket, or for a TLS server
 * the TLS socket once its handshake is done (a TLS server should also set a short `handshakeTimeout`).
 */
function onConnection(server: McpServer, accepted: (socket: Socket) => void): void {
  server.on(server instanceof TlsServer ? 'secureConnection' : 'connection', accepted);
}

/**
 * Node starts a request's headers clock at its first byte, so a client that connects and waits before trickling
 * would get nearly twice --headers-timeout. The first request on a connection is therefore also timed from the
 * connection itself (later ones are covered by the keep-alive timeout, then Node's clock).
 */
function firstHeadersDeadline(server: McpServer, timeoutMs: number, expired: (socket: Socket) => void): void {
  const deadlines = new WeakMap<Socket, NodeJS.Timeout>();
  onConnection(server, (socket) => {
    const timer = setTimeout(() => expired(socket), timeoutMs);
    timer.unref();
    deadlines.set(socket, timer);
    socket.once('close', () => clearTimeout(timer));
  });
  server.prependListener('request', (req) => clearTimeout(deadlines.get(req.socket)));
}

/**
 * --max-connections: a connection over the limit is marked as it arrives, and its request is answered 503 with
 * Retry-After before the connection is closed (a client sees why, instead of a reset). Past the headroom above the
 * limit, Node drops new connections at once.
 */
class ConnectionLimit {
  readonly #max: number;
  readonly #refused: (reason: ConnectionRefusal) => void;
  readonly #overLimit = new WeakSet<Socket>();
  #open = 0;

  constructor(max: number, refused: (reason: ConnectionRefusal) => void) {
    this.#max = max;
    this.#refused = refused;
  }

  guard(handler: RequestListener): RequestListener {
    return (req, res) => {
      if (!this.#overLimit.has(req.socket)) return handler(req, res);
      this.#refused('too_many_connections');
      refuseWith(res, refuse.tooManyConnections(this.#max));
    };
  }

  watch(server: McpServer): void {
    server.maxConnections = this.#max + REFUSAL_HEADROOM;
    onConnection(server, (socket) => {
      if (++this.#open > this.#max) this.#overLimit.add(socket);
      socket.once('close', () => this.#open--);
    });
  }
}

function clientRefusal(error: NodeJS.ErrnoException, limits: SocketLimits): HttpRefusal | undefined {
  switch (error.code) {
    case 'HPE_HEADER_OVERFLOW':
      return refuse.headersTooLarge(limits.maxHeaderSize);
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return refuse.readTimeout(limits.headersTimeout, limits.bodyTimeout);
    case 'ECONNRESET':
      return undefined; // the client went away: nobody to answer
    default:
      return refuse.badHttp();
  }
}

/** Sockets already answered: the parser reports every later chunk as the same error. */
const answered = new WeakSet<Duplex>();

/** Answers (once) and closes; false when the socket had already been answered. */
function answerAndClose(socket: Duplex, refusal: HttpRefusal | undefined): boolean {
  if (answered.has(socket)) return false;
  answered.add(socket);
  const response = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (!refusal || !socket.writable || response?.headersSent) {
    socket.destroy();
    return true;
  }
  socket.end(rawRefusal(refusal));
  setTimeout(() => socket.destroy(), LINGER_MS).unref();
  return true;
}
