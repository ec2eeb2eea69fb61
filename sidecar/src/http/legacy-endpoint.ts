// The HTTP+SSE transport of protocol 2024-11-05, for old clients: GET /sse opens the session's only SSE
// stream and names the POST endpoint in an `endpoint` event; POST /messages?sessionId=… carries the client's
// messages (answered 202), and every server message, responses included, goes out on the SSE stream.

import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

import { LegacyStream } from '../session/session.ts';
import { namedEvent, startSse } from '../session/sse.ts';
import { type Message, readMessage } from './body.ts';
import type { HttpContext } from './context.ts';
import { checkGetAccept } from './guards.ts';
import { replyEmpty, replyError } from './replies.ts';

export const LEGACY_SSE_PATH = '/sse';
export const LEGACY_MESSAGES_PATH = '/messages';

export function handleLegacySse(ctx: HttpContext, req: IncomingMessage, res: ServerResponse): void {
  if (req.method !== 'GET')
    return replyError(res, 405, 'Method Not Allowed: open the stream with GET', { headers: { allow: 'GET' } });
  const refusal = checkGetAccept(req.headers.accept);
  if (refusal) return replyError(res, refusal.status, refusal.message);
  const id = randomUUID();
  const stream = new LegacyStream(res);
  ctx.legacyWaiting.set(id, stream);
  startSse(res, {}, true);
  res.write(namedEvent('endpoint', `${LEGACY_MESSAGES_PATH}?sessionId=${id}`));
  res.once('close', () => {
    ctx.legacyWaiting.delete(id);
    ctx.sessions.close(id, 'client_disconnected');
  });
}

export async function handleLegacyMessage(
  ctx: HttpContext,
  req: IncomingMessage,
  res: ServerResponse,
  query: URLSearchParams,
) {
  if (req.method !== 'POST')
    return replyError(res, 405, 'Method Not Allowed: POST messages here', { headers: { allow: 'POST' } });
  const id = query.get('sessionId');
  if (!id) {
    return replyError(
      res,
      400,
      `Bad Request: the sessionId query parameter is required; POST to the endpoint URL that ${LEGACY_SSE_PATH} sent`,
    );
  }
  const message = await readMessage(ctx, req, res);
  if (!message) return;
  if (message.kind === 'request' && message.message.method === 'initialize')
    return legacyInitialize(ctx, res, id, message);
  const session = ctx.sessions.get(id);
  if (!session?.legacy)
    return replyError(
      res,
      404,
      `Not Found: session ${id} does not exist or has ended; reconnect to ${LEGACY_SSE_PATH}`,
    );
  session.lastActivity = Date.now();
  session.upstream.fromClient(id, message, session.legacy);
  replyEmpty(res, 202);
}

/** The first message on a legacy stream: opens the session, whose every answer goes out on that stream. */
async function legacyInitialize(
  ctx: HttpContext,
  res: ServerResponse,
  id: string,
  message: Message & { kind: 'request' },
): Promise<void> {
  const stream = ctx.legacyWaiting.get(id);
  if (!stream)
    return replyError(res, 404, `Not Found: no open SSE stream for session ${id}; connect to ${LEGACY_SSE_PATH} first`);
  const opened = await ctx.sessions.open('legacy', message.message, id);
  if ('status' in opened) return replyError(res, opened.status, `Service Unavailable: ${opened.message}`);
  ctx.legacyWaiting.delete(id);
  opened.legacy = stream;
  opened.upstream.fromClient(id, message, stream);
  replyEmpty(res, 202);
}
