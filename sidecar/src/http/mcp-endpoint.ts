// The Streamable HTTP endpoint (spec 2025-11-25): POST carries one JSON-RPC message, GET opens or resumes an
// SSE stream, DELETE ends the session. Status codes follow the spec: 400 for a missing session id, 404 for an
// unknown or ended one, 400 for an unsupported MCP-Protocol-Version, 202 for notifications and responses.
// Each POST's era is decided here, once, from its headers and body: a 2026-07-28 request (no session; the era
// lives in its `_meta`) goes to modern-endpoint.ts, everything else down the 2025 path unchanged.

import type { ServerResponse } from 'node:http';

import type { ClassifiedMessage, JsonRpcMessage } from '@mcp-sidecar/protocol';

import type { Era, ResponseSink } from '../context.ts';
import { classifyEra } from '../era/classify.ts';
import { hasEnvelope } from '../era/envelope.ts';
import { refuse } from '../errors.ts';
import { methodLabel } from '../metrics.ts';
import { parseEventId } from '../session/event-store.ts';
import { replayTo, type ResponseStream } from '../session/response-stream.ts';
import type { Session } from '../session/session.ts';
import { STANDALONE_STREAM_ID } from '../session/standalone-stream.ts';
import { readMessage } from './body.ts';
import type { HttpDeps } from './deps.ts';
import { checkContentType, checkGetAccept, checkPostAccept } from './media-types.ts';
import { handleModern } from './modern-endpoint.ts';
import { openAndForward } from './open-session.ts';
import type { Exchange } from './pipeline.ts';
import { refuseWith, replyEmpty } from './replies.ts';
import { requestContext } from './request-context.ts';
import { headerValue, legacyVersionRefusal } from './stages/version.ts';

/** Notifications and responses have no answer stream; the router never writes to this one. */
const NO_ANSWER: ResponseSink = { deliver: () => undefined, end: () => undefined };

export function handleMcp(deps: HttpDeps, exchange: Exchange): void | Promise<void> {
  switch (exchange.req.method) {
    case 'POST':
      return handlePost(deps, exchange);
    case 'GET':
      return handleGet(deps, exchange);
    case 'DELETE':
      return handleDelete(deps, exchange);
    default:
      refuseWith(
        exchange.res,
        refuse.methodNotAllowed(`${exchange.req.method} is not part of MCP Streamable HTTP`, 'GET, POST, DELETE'),
      );
  }
}

async function handlePost(deps: HttpDeps, exchange: Exchange): Promise<void> {
  const { req, res } = exchange;
  const refusal = checkContentType(req.headers['content-type']) ?? checkPostAccept(req.headers.accept);
  if (refusal) return refuseWith(res, refusal);
  const message = await readMessage(deps, req, res);
  if (!message) return;
  const era = eraOf(exchange, message);
  if (era === 'modern') return handleModern(deps, exchange, message);
  if (message.kind === 'request' && message.message.method === 'initialize') {
    const version = legacyVersionRefusal(req.headers['mcp-protocol-version']);
    if (version) return refuseWith(res, version);
    deps.metrics.countRequest(era, 'initialize');
    await initialize(deps, exchange, message);
    return;
  }
  const session = findSession(deps, exchange);
  if (!session) return;
  if (message.kind !== 'request') {
    session.forward(contextIn(exchange, era, session, message, NO_ANSWER), message);
    return replyEmpty(res, 202);
  }
  const method = message.message.method;
  deps.metrics.countRequest(era, method);
  const stream = session.respond(res, {}, (done) => observe(deps, method, done));
  session.forward(contextIn(exchange, era, session, message, stream), message);
}

/** The request's era, decided once from its headers and body (era/classify.ts). */
function eraOf({ req }: Exchange, message: ClassifiedMessage): Era {
  const body = message.message;
  return classifyEra({
    method: 'method' in body ? body.method : undefined,
    sessionId: headerValue(req.headers['mcp-session-id']),
    headerVersion: headerValue(req.headers['mcp-protocol-version']),
    envelope: message.kind !== 'response' && hasEnvelope(message.message.params),
  });
}

function contextIn(exchange: Exchange, era: Era, session: Session, message: ClassifiedMessage, sink: ResponseSink) {
  const fields = { era, protocolVersion: session.protocolVersion, sessionId: session.id, sink };
  return requestContext(exchange, fields, message);
}

function initialize(deps: HttpDeps, exchange: Exchange, initialize: ClassifiedMessage & { kind: 'request' }) {
  return openAndForward(deps, exchange, {
    transport: 'streamable',
    initialize,
    sinkFor: (session) =>
      session.respond(exchange.res, { 'mcp-session-id': session.id }, (done, answer) => {
        observe(deps, 'initialize', done);
        settleInitialize(deps, session, answer);
      }),
  });
}

/** Records the negotiated version; a refused initialize leaves no session behind. */
function settleInitialize(deps: HttpDeps, session: Session, answer: JsonRpcMessage | undefined): void {
  const result = answer && 'result' in answer ? (answer.result as { protocolVersion?: unknown }) : undefined;
  if (typeof result?.protocolVersion === 'string') session.protocolVersion = result.protocolVersion;
  else deps.sessions.close(session.id, 'upstream_exited');
}

function handleGet(deps: HttpDeps, exchange: Exchange): void {
  const { req, res } = exchange;
  const refusal = checkGetAccept(req.headers.accept);
  if (refusal) return refuseWith(res, refusal);
  const session = findSession(deps, exchange);
  if (!session) return;
  session.touch();
  const header = req.headers['last-event-id'];
  const lastEventId = Array.isArray(header) ? header[0] : header;
  if (lastEventId === undefined) return attachStandalone(session, res, undefined);
  const cursor = parseEventId(lastEventId);
  if (!cursor) return refuseWith(res, refuse.lastEventId(lastEventId));
  if (cursor.streamId === STANDALONE_STREAM_ID) return attachStandalone(session, res, cursor.seq);
  const headers = { 'mcp-session-id': session.id };
  const live = session.liveStream(cursor.streamId);
  if (live) return live.resume(res, cursor.seq, headers);
  // The request has finished since: replay what the client missed of its stream, then end it.
  replayTo(session, res, headers, cursor.streamId, cursor.seq).end();
}

/** The session's one GET stream: a second one is a conflict; resuming it replays what was missed. */
function attachStandalone(session: Session, res: ServerResponse, afterSeq: number | undefined): void {
  if (session.standalone.attached) {
    const detail =
      afterSeq === undefined
        ? 'this session already has a GET stream open; resume with Last-Event-ID instead'
        : 'the GET stream is already open';
    return refuseWith(res, refuse.streamConflict(detail));
  }
  session.standalone.attach(res, afterSeq, { 'mcp-session-id': session.id });
}

function handleDelete(deps: HttpDeps, exchange: Exchange): void {
  const session = findSession(deps, exchange);
  if (!session) return;
  deps.sessions.close(session.id, 'deleted');
  replyEmpty(exchange.res, 200);
}

/**
 * The session named by Mcp-Session-Id; answers 400 when the header is missing and 404 when it is unknown, or was
 * opened by another caller (a session belongs to the identity that opened it).
 */
function findSession(deps: HttpDeps, { req, res, identity }: Exchange): Session | undefined {
  const id = req.headers['mcp-session-id'];
  if (typeof id !== 'string' || id === '') {
    refuseWith(
      res,
      refuse.sessionIdRequired('the Mcp-Session-Id header is required; start a session with initialize first'),
    );
    return undefined;
  }
  const session = deps.sessions.find(id, identity);
  if (session?.transport === 'streamable') return session;
  refuseWith(res, refuse.sessionNotFound(id));
  return undefined;
}

function observe(deps: HttpDeps, method: string, stream: ResponseStream): void {
  deps.metrics.requestDuration.observe({ method: methodLabel(method) }, (performance.now() - stream.startedAt) / 1000);
}
