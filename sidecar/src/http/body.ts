// Reads a request body up to a size limit, without buffering what is over it, and the one JSON-RPC message in it.

import type { IncomingMessage, ServerResponse } from 'node:http';

import { type Classified, ERROR_CODES, parseMessage } from '@mcp-sidecar/protocol';

import type { HttpContext } from './context.ts';
import { replyError } from './replies.ts';

export type Message = Exclude<Classified, { kind: 'invalid' }>;

/** The body, or undefined when it is larger than `limit` bytes. */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const declared = Number(req.headers['content-length']);
  if (declared > limit) return Promise.resolve(undefined);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        resolve(undefined);
        req.removeAllListeners('data');
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)));
    req.on('error', reject);
  });
}

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
