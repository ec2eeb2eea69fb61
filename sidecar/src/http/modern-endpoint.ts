// The 2026-07-28 side of the /mcp endpoint: a POST whose era (decided once, in mcp-endpoint.ts) is `modern`. No
// session: the request is validated as the spec says (era/validate.ts), answered with the spec's status and code
// when it fails, and otherwise served by the modern service (discover, listen, calls through the lane).

import type { ServerResponse } from 'node:http';

import { type ClassifiedMessage, exactId, type JsonRpcRequest } from '@mcp-sidecar/protocol';

import type { RequestContext, ResponseSink } from '../context.ts';
import { MODERN_PROTOCOL_VERSION } from '../era/classify.ts';
import type { Envelope } from '../era/envelope.ts';
import { validateModernRequest } from '../era/validate.ts';
import { HttpRefusal, refuse } from '../errors.ts';
import type { ModernRequest } from '../modern/service.ts';
import type { HttpDeps } from './deps.ts';
import type { Exchange } from './pipeline.ts';
import { refuseWith, replyEmpty } from './replies.ts';
import { requestContext } from './request-context.ts';

type RequestMessage = ClassifiedMessage & { kind: 'request' };

export function handleModern(deps: HttpDeps, exchange: Exchange, message: ClassifiedMessage): void | Promise<void> {
  const { res } = exchange;
  if (message.kind === 'response') return refuseWith(res, refuse.notRequest(), message.message.id);
  // Notifications carry no header requirements in this revision; the only one a client sends is
  // notifications/cancelled, and on HTTP closing the stream is the cancellation (the stream close acts on it).
  if (message.kind === 'notification') return replyEmpty(res, 202);
  const request = message.message;
  deps.metrics.countRequest('modern', request.method);
  const capabilities = deps.modern.serverCapabilities();
  if (capabilities) return serve(deps, exchange, message, capabilities);
  return deps.modern.whenReady().then((ready) => {
    if (ready instanceof HttpRefusal) return refuseWith(res, ready, exactId(request));
    return serve(deps, exchange, message, ready);
  });
}

/** A validated modern request as the modern service sees it; its context is made per call (one object each). */
class ModernExchange implements ModernRequest {
  readonly res: ServerResponse;
  readonly request: JsonRpcRequest;
  readonly #exchange: Exchange;
  readonly #message: RequestMessage;
  readonly envelope: Envelope;

  constructor(exchange: Exchange, message: RequestMessage, envelope: Envelope) {
    this.#exchange = exchange;
    this.#message = message;
    this.res = exchange.res;
    this.request = message.message;
    this.envelope = envelope;
  }

  context(sink: ResponseSink): RequestContext {
    const fields = { era: 'modern', protocolVersion: MODERN_PROTOCOL_VERSION, sessionId: undefined, sink } as const;
    return requestContext(this.#exchange, fields, this.#message);
  }
}

function serve(
  deps: HttpDeps,
  exchange: Exchange,
  message: RequestMessage,
  capabilities: Readonly<Record<string, unknown>>,
): void | Promise<void> {
  const { req, res } = exchange;
  const request = message.message;
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
  const served = new ModernExchange(exchange, message, envelope);
  if (request.method !== 'subscriptions/listen') return modern.call(served);
  const refusal = modern.listen(served);
  if (refusal) refuseWith(res, refusal, exactId(request));
}
