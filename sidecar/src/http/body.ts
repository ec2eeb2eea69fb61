// Reads the one JSON-RPC message in a request body, up to --max-message-size.

import type { IncomingMessage, ServerResponse } from 'node:http';

import { readBody } from '@mcp-sidecar/edge';
import { type Classified, ERROR_CODES, parseMessage } from '@mcp-sidecar/protocol';

import type { HttpContext } from './context.ts';
import { replyError } from './replies.ts';

export type Message = Exclude<Classified, { kind: 'invalid' }>;

/** Reads and classifies the body, answering 413/400 itself when it cannot. */
export async function readMessage(
  ctx: HttpContext,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<Message | undefined> {
  const body = await readBody(req, ctx.config.maxMessageSize);
  if (!body) {
    replyError(
      res,
      413,
      `Payload Too Large: the message is over --max-message-size (${ctx.config.maxMessageSize} bytes)`,
      {
        headers: { connection: 'close' },
      },
    );
    return undefined;
  }
  const message = parseMessage(body.toString('utf8'));
  if (message.kind !== 'invalid') return message;
  const code = message.reason === 'not valid JSON' ? ERROR_CODES.parseError : ERROR_CODES.invalidRequest;
  replyError(res, 400, `Bad Request: the body is not one JSON-RPC message (${message.reason})`, { code });
  return undefined;
}
