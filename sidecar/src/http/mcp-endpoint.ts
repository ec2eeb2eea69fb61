// The Streamable HTTP endpoint (spec 2025-11-25): POST carries one JSON-RPC message, GET opens or resumes an
// SSE stream, DELETE ends the session. Status codes follow the spec: 400 for a missing session id, 404 for an
// unknown or ended one, 400 for an unsupported MCP-Protocol-Version, 202 for notifications and responses.

import type { IncomingMessage, ServerResponse } from 'node:http';

import { exactId, type JsonRpcMessage } from '@mcp-sidecar/protocol';

import { methodLabel } from '../metrics.ts';
import type { Session } from '../session/session.ts';
import { parseEventId } from '../session/event-store.ts';
import { replayTo, type ResponseStream } from '../session/response-stream.ts';
import { STANDALONE_STREAM_ID } from '../session/standalone-stream.ts';
import type { ResponseSink } from '../upstream/upstream.ts';
import { type Message, readMessage } from './body.ts';
import type { HttpContext } from './context.ts';
import { checkContentType, checkGetAccept, checkPostAccept, checkProtocolVersion, type Refusal } from './guards.ts';
import { replyEmpty, replyError } from './replies.ts';

/** Notifications and responses have no answer stream; the router never writes to this one. */
const NO_ANSWER: ResponseSink = { deliver: () => undefined, end: () => undefined };

export async function handleMcp(ctx: HttpContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  switch (req.method) {
    case 'POST':
      return handlePost(ctx, req, res);
    case 'GET':
      return handleGet(ctx, req, res);
    case 'DELETE':
      return handleDelete(ctx, req, res);
    default:
      replyError(res, 405, `Method Not Allowed: ${req.method} is not part of MCP Streamable HTTP`, {
        headers: { allow: 'GET, POST, DELETE' },
      });
  }
}

async function handlePost(ctx: HttpContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const refusal =
    checkContentType(req.headers['content-type']) ??
    checkPostAccept(req.headers.accept) ??
    checkProtocolVersion(req.headers['mcp-protocol-version']);
  if (refusal) return refuse(res, refusal);
  const message = await readMessage(ctx, req, res);
  if (!message) return;
  if (message.kind === 'request' && message.message.method === 'initialize') return initialize(ctx, message, res);
  const session = findSession(ctx, req, res);
  if (!session) return;
  if (message.kind !== 'request') {
    session.lastActivity = Date.now();
    session.upstream.fromClient(session.id, message, NO_ANSWER);
    return replyEmpty(res, 202);
  }
  const method = message.message.method;
  const stream = session.respond(res, {}, (done) => observe(ctx, method, done));
  session.upstream.fromClient(session.id, message, stream);
}

async function initialize(ctx: HttpContext, message: Message & { kind: 'request' }, res: ServerResponse) {
  const id = exactId(message.message);
  if (ctx.draining) {
    return replyError(res, 503, 'Service Unavailable: mcp-sidecar is shutting down', {
      id,
      headers: { 'retry-after': '1' },
    });
  }
  const opened = await ctx.sessions.open('streamable', message.message);
  if ('status' in opened) {
    const headers = { 'retry-after': String(opened.retryAfterSeconds) };
    return replyError(res, opened.status, `Service Unavailable: ${opened.message}`, { id, headers });
  }
  const session = opened;
  const stream = session.respond(res, { 'mcp-session-id': session.id }, (done, answer) => {
    observe(ctx, 'initialize', done);
    settleInitialize(ctx, session, answer);
  });
  session.upstream.fromClient(session.id, message, stream);
}

/** Records the negotiated version; a refused initialize leaves no session behind. */
function settleInitialize(ctx: HttpContext, session: Session, answer: JsonRpcMessage | undefined): void {
  const result = answer && 'result' in answer ? (answer.result as { protocolVersion?: unknown }) : undefined;
  if (typeof result?.protocolVersion === 'string') session.protocolVersion = result.protocolVersion;
  else ctx.sessions.close(session.id, 'upstream_exited');
}

function handleGet(ctx: HttpContext, req: IncomingMessage, res: ServerResponse): void {
  const refusal = checkGetAccept(req.headers.accept) ?? checkProtocolVersion(req.headers['mcp-protocol-version']);
  if (refusal) return refuse(res, refusal);
  const session = findSession(ctx, req, res);
  if (!session) return;
  session.lastActivity = Date.now();
  const headers = { 'mcp-session-id': session.id };
  const header = req.headers['last-event-id'];
  const lastEventId = Array.isArray(header) ? header[0] : header;
  if (lastEventId === undefined) {
    if (session.standalone.attached) {
      return replyError(
        res,
        409,
        'Conflict: this session already has a GET stream open; resume with Last-Event-ID instead',
      );
    }
    return session.standalone.attach(res, undefined, headers);
  }
  const cursor = parseEventId(lastEventId);
  if (!cursor) return replyError(res, 400, `Bad Request: Last-Event-ID "${lastEventId}" was not issued by this server`);
  if (cursor.streamId === STANDALONE_STREAM_ID) {
    if (session.standalone.attached) return replyError(res, 409, 'Conflict: the GET stream is already open');
    return session.standalone.attach(res, cursor.seq, headers);
  }
  const live = session.liveStream(cursor.streamId);
  if (live) return live.resume(res, cursor.seq, headers);
  // The request has finished since: replay what the client missed of its stream, then end it.
  replayTo(res, headers, session.events.replay(cursor.streamId, cursor.seq));
  res.end();
}

function handleDelete(ctx: HttpContext, req: IncomingMessage, res: ServerResponse): void {
  const session = findSession(ctx, req, res);
  if (!session) return;
  ctx.sessions.close(session.id, 'deleted');
  replyEmpty(res, 200);
}

/** The session named by Mcp-Session-Id; answers 400 when the header is missing and 404 when it is unknown. */
function findSession(ctx: HttpContext, req: IncomingMessage, res: ServerResponse): Session | undefined {
  const id = req.headers['mcp-session-id'];
  if (typeof id !== 'string' || id === '') {
    replyError(res, 400, 'Bad Request: the Mcp-Session-Id header is required; start a session with initialize first');
    return undefined;
  }
  const session = ctx.sessions.get(id);
  if (session?.transport === 'streamable') return session;
  replyError(res, 404, `Not Found: session ${id} does not exist or has ended; start a new session with initialize`, {
    code: -32001,
  });
  return undefined;
}

function refuse(res: ServerResponse, refusal: Refusal): void {
  replyError(res, refusal.status, refusal.message);
}

function observe(ctx: HttpContext, method: string, stream: ResponseStream): void {
  ctx.metrics.requestDuration.observe({ method: methodLabel(method) }, (performance.now() - stream.startedAt) / 1000);
}
