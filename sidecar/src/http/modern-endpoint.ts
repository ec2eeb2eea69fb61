// The 2026-07-28 side of the /mcp endpoint: a POST whose era (decided once, in mcp-endpoint.ts) is `modern`. No
// session: the request is validated as the spec says (era/validate.ts), answered with the spec's status and code
// when it fails, and otherwise served by the modern service (discover, listen, calls through the lane).

import { type ClassifiedMessage, exactId, type JsonRpcRequest } from '@mcp-sidecar/protocol';

import type { ResponseSink } from '../context.ts';
import { MODERN_PROTOCOL_VERSION } from '../era/classify.ts';
import { validateModernRequest } from '../era/validate.ts';
import { HttpRefusal, refuse } from '../errors.ts';
import type { HttpDeps } from './deps.ts';
import type { Exchange } from './pipeline.ts';
import { refuseWith, replyEmpty } from './replies.ts';
import { requestContext } from './request-context.ts';

export function handleModern(deps: HttpDeps, exchange: Exchange, message: ClassifiedMessage): void | Promise<void> {
  const { res } = exchange;
  if (message.kind === 'response') return refuseWith(res, refuse.notRequest(), message.message.id);
  // Notifications carry no header requirements in this revision; the only one a client sends is
  // notifications/cancelled, and on HTTP closing the stream is the cancellation (the stream close acts on it).
  if (message.kind === 'notification') return replyEmpty(res, 202);
  const request = message.message;
  deps.metrics.countRequest('modern', request.method);
  const capabilities = deps.modern.serverCapabilities();
  if (capabilities) return serve(deps, exchange, request, capabilities);
  return deps.modern.whenReady().then((ready) => {
    if (ready instanceof HttpRefusal) return refuseWith(res, ready, exactId(request));
    return serve(deps, exchange, request, ready);
  });
}

function serve(
  deps: HttpDeps,
  exchange: Exchange,
  request: JsonRpcRequest,
  capabilities: Readonly<Record<string, unknown>>,
): void | Promise<void> {
  const { req, res } = exchange;
  const envelope = validateModernRequest(request, req.headers, capabilities);
  if (envelope instanceof HttpRefusal) return refuseWith(res, envelope, exactId(request));
  if (deps.draining) return refuseWith(res, refuse.shuttingDown(), exactId(request));
  const modern = deps.modern;
  if (request.method === 'server/discover') {
    const body = modern.discover(exactId(request));
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) });
    res.end(body);
    return;
  }
  const fields = { era: 'modern', protocolVersion: MODERN_PROTOCOL_VERSION, sessionId: undefined } as const;
  const context = (sink: ResponseSink) =>
    requestContext(exchange, { ...fields, sink }, { kind: 'request', message: request });
  const served = { res, request, envelope, context };
  if (request.method !== 'subscriptions/listen') return modern.call(served);
  const refusal = modern.listen(served);
  if (refusal) refuseWith(res, refusal, exactId(request));
}
