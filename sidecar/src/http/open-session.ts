// "Open a session and forward its initialize", shared by the Streamable HTTP endpoint and the legacy transport:
// refuse while shutting down or when no session can be had, else open one and hand it the request.

import type { ClassifiedMessage, JsonRpcRequest } from '@mcp-sidecar/protocol';
import { exactId } from '@mcp-sidecar/protocol';

import type { ResponseSink } from '../context.ts';
import { HttpRefusal, refuse } from '../errors.ts';
import type { LegacyStream } from '../session/legacy-stream.ts';
import type { Session, Transport } from '../session/session.ts';
import type { HttpDeps } from './deps.ts';
import type { Exchange } from './pipeline.ts';
import { refuseWith } from './replies.ts';
import { requestContext } from './request-context.ts';

export interface OpenRequest {
  readonly transport: Transport;
  readonly initialize: ClassifiedMessage & { kind: 'request' };
  /** The legacy transport names the id it announced, and its SSE stream. */
  readonly id?: string;
  readonly legacy?: LegacyStream;
  /** Where the answer to initialize goes, once the session exists. */
  readonly sinkFor: (session: Session) => ResponseSink;
}

/** Opens a session and forwards `initialize` to it; answers the refusal itself and returns undefined otherwise. */
export async function openAndForward(
  deps: HttpDeps,
  exchange: Exchange,
  open: OpenRequest,
): Promise<Session | undefined> {
  const request: JsonRpcRequest = open.initialize.message;
  const opened = deps.draining
    ? refuse.shuttingDown()
    : await deps.sessions.open(open.transport, request, {
        id: open.id,
        legacy: open.legacy,
        identity: exchange.identity,
      });
  if (opened instanceof HttpRefusal) {
    refuseWith(exchange.res, opened, exactId(request));
    return undefined;
  }
  const sink = open.sinkFor(opened);
  const fields = {
    era: 'legacy-session',
    protocolVersion: opened.protocolVersion,
    sessionId: opened.id,
    sink,
  } as const;
  opened.forward(requestContext(exchange, fields, open.initialize), open.initialize);
  return opened;
}
