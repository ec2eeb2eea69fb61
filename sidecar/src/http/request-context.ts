// Makes a request's context at the HTTP edge, from what the pipeline learned about the exchange and what the
// endpoint decided (era, version, session, answer stream).

import type { Era, RequestContext, ResponseSink } from '../context.ts';
import type { Exchange } from './pipeline.ts';

export interface ContextFields {
  readonly era: Era;
  readonly protocolVersion: string;
  readonly sessionId: string | undefined;
  readonly sink: ResponseSink;
}

export function requestContext(exchange: Exchange, fields: ContextFields): RequestContext {
  return { ...fields, identity: exchange.identity, trace: exchange.trace };
}
