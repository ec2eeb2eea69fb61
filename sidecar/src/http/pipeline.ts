// The HTTP pipeline: every request to an MCP path becomes an Exchange, passes the ordered stages (stages/index.ts),
// and reaches its endpoint. A stage refuses the request or lets it through, filling in what it learned (the
// caller's identity, the trace). Stages run synchronously unless one returns a promise, so the hot path pays no
// promise per stage.

import type { IncomingMessage, ServerResponse } from 'node:http';

import type { ClassifiedMessage } from '@mcp-sidecar/protocol';

import {
  type Access,
  ANONYMOUS,
  type Identity,
  type RequestContext,
  type ResponseSink,
  type TraceHandle,
} from '../context.ts';
import type { HttpRefusal } from '../errors.ts';

/** The paths the bridge serves: the Streamable HTTP endpoint and the legacy HTTP+SSE pair. */
export type EndpointName = 'mcp' | 'legacy-sse' | 'legacy-messages';

export interface Exchange {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly endpoint: EndpointName;
  /** The query string, without the `?`. */
  readonly query: string;
  /** Who is calling; stages that verify a caller replace the anonymous default. */
  identity: Identity;
  /** What the caller may use (--policy); undefined without a policy. */
  access: Access | undefined;
  /** Set by the tracing stage when tracing is on: starts the spans of the message this exchange carries. */
  tracer: MessageTracer | undefined;
}

/** Tracing at the edge: one SERVER span per client message, ended when the answer goes out. */
export interface MessageTracer {
  start(
    message: ClassifiedMessage,
    ctx: Omit<RequestContext, 'trace'>,
    exchange: Exchange,
  ): { readonly trace: TraceHandle; readonly sink: ResponseSink };
}

export interface Stage {
  readonly name: string;
  run(exchange: Exchange): HttpRefusal | undefined | Promise<HttpRefusal | undefined>;
}

export function exchangeOf(req: IncomingMessage, res: ServerResponse, endpoint: EndpointName, query: string): Exchange {
  return { req, res, endpoint, query, identity: ANONYMOUS, access: undefined, tracer: undefined };
}

/** Runs the stages in order; the first refusal wins. Synchronous as long as every stage is. */
export function runStages(
  stages: readonly Stage[],
  exchange: Exchange,
  from = 0,
): HttpRefusal | undefined | Promise<HttpRefusal | undefined> {
  for (let i = from; i < stages.length; i++) {
    const outcome = stages[i]!.run(exchange);
    if (outcome instanceof Promise) return outcome.then((refusal) => refusal ?? runStages(stages, exchange, i + 1));
    if (outcome) return outcome;
  }
  return undefined;
}
