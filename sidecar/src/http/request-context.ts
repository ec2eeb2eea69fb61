// Makes a request's context at the HTTP edge, from what the pipeline learned about the exchange (caller, access,
// tracer) and what the endpoint decided (era, version, session, answer stream). The answer stream is wrapped here
// when the caller sees filtered lists (--policy) or the request is traced (the spans end with the answer).

import type { ClassifiedMessage } from '@mcp-sidecar/protocol';

import type { Era, RequestContext, ResponseSink } from '../context.ts';
import { NO_TRACE } from '../context.ts';
import type { Exchange } from './pipeline.ts';

export interface ContextFields {
  readonly era: Era;
  readonly protocolVersion: string;
  readonly sessionId: string | undefined;
  readonly sink: ResponseSink;
}

export function requestContext(exchange: Exchange, fields: ContextFields, message: ClassifiedMessage): RequestContext {
  const { identity, access, tracer } = exchange;
  const method = message.kind === 'response' ? undefined : message.message.method;
  let sink = fields.sink;
  if (access && method !== undefined && message.kind === 'request') sink = access.filtering(method, sink);
  const ctx: { -readonly [K in keyof RequestContext]: RequestContext[K] } = {
    ...fields,
    sink,
    identity,
    access,
    trace: NO_TRACE,
  };
  if (!tracer || method === undefined) return ctx;
  // The tracer reads the context as it is now (its sink is the one the traced answer goes on to); then the traced
  // handle and sink take their places in the same object, rather than in a copy of it.
  const traced = tracer.start(message, ctx, exchange);
  ctx.sink = traced.sink;
  ctx.trace = traced.trace;
  return ctx;
}
