// The HTTP+SSE transport of protocol 2024-11-05, for old clients: GET /sse opens the session's only SSE
// stream and names the POST endpoint in an `endpoint` event; POST /messages?sessionId=… carries the client's
// messages (answered 202), and every server message, responses included, goes out on the SSE stream.

import { randomUUID } from 'node:crypto';

import type { ClassifiedMessage } from '@mcp-sidecar/protocol';

import { clip, refuse } from '../errors.ts';
import { principalOf } from '../identity/identity.ts';
import { LegacyStream } from '../session/legacy-stream.ts';
import { readMessage } from './body.ts';
import type { HttpDeps } from './deps.ts';
import { checkGetAccept } from './media-types.ts';
import { openAndForward } from './open-session.ts';
import type { Exchange } from './pipeline.ts';
import { refuseWith, replyEmpty } from './replies.ts';
import { requestContext } from './request-context.ts';

export const LEGACY_SSE_PATH = '/sse';
export const LEGACY_MESSAGES_PATH = '/messages';

export function handleLegacySse(deps: HttpDeps, { req, res, identity }: Exchange): void {
  if (req.method !== 'GET') return refuseWith(res, refuse.methodNotAllowed('open the stream with GET', 'GET'));
  const refusal = checkGetAccept(req.headers.accept);
  if (refusal) return refuseWith(res, refusal);
  const id = randomUUID();
  const stream = new LegacyStream(
    res,
    principalOf(identity),
    deps.sessions.boundsFor(id),
    `${LEGACY_MESSAGES_PATH}?sessionId=${id}`,
  );
  deps.legacyWaiting.set(id, stream);
  res.once('close', () => {
    deps.legacyWaiting.delete(id);
    deps.sessions.close(id, 'client_disconnected');
  });
}

export async function handleLegacyMessage(deps: HttpDeps, exchange: Exchange): Promise<void> {
  const { req, res } = exchange;
  if (req.method !== 'POST') return refuseWith(res, refuse.methodNotAllowed('POST messages here', 'POST'));
  const id = new URLSearchParams(exchange.query).get('sessionId');
  if (!id) {
    return refuseWith(
      res,
      refuse.sessionIdRequired(
        `the sessionId query parameter is required; POST to the endpoint URL that ${LEGACY_SSE_PATH} sent`,
      ),
    );
  }
  const message = await readMessage(deps, req, res);
  if (!message) return;
  if (message.kind === 'request' && message.message.method === 'initialize') {
    return legacyInitialize(deps, exchange, id, message);
  }
  const session = deps.sessions.find(id, exchange.identity);
  if (!session?.legacy) {
    const detail = `session ${clip(id)} does not exist or has ended; reconnect to ${LEGACY_SSE_PATH}`;
    return refuseWith(res, refuse.legacySessionNotFound(detail));
  }
  const fields = { era: 'legacy-session', protocolVersion: session.protocolVersion, sessionId: id } as const;
  session.forward(requestContext(exchange, { ...fields, sink: session.legacy }, message), message);
  replyEmpty(res, 202);
}

/** The first message on a legacy stream: opens the session, whose every answer goes out on that stream. */
async function legacyInitialize(
  deps: HttpDeps,
  exchange: Exchange,
  id: string,
  initialize: ClassifiedMessage & { kind: 'request' },
): Promise<void> {
  const legacy = deps.legacyWaiting.get(id);
  if (!legacy || legacy.principal !== principalOf(exchange.identity)) {
    const detail = `no open SSE stream for session ${clip(id)}; connect to ${LEGACY_SSE_PATH} first`;
    return refuseWith(exchange.res, refuse.legacySessionNotFound(detail));
  }
  const session = await openAndForward(deps, exchange, {
    transport: 'legacy',
    initialize,
    id,
    legacy,
    sinkFor: () => legacy,
  });
  if (!session) return;
  deps.legacyWaiting.delete(id);
  replyEmpty(exchange.res, 202);
}
