// Reads the one JSON-RPC message in a request body, up to --max-message-size, answering 413/400 itself when it
// cannot.

import type { IncomingMessage, ServerResponse } from 'node:http';

import { readBody } from '@mcp-sidecar/edge';
import { type ClassifiedMessage, parseMessage } from '@mcp-sidecar/protocol';

import { refuse } from '../errors.ts';
import type { HttpDeps } from './deps.ts';
import { refuseWith } from './replies.ts';

export async function readMessage(
  deps: HttpDeps,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<ClassifiedMessage | undefined> {
  const body = await readBody(req, deps.config.maxMessageSize);
  if (!body) {
    refuseWith(res, refuse.tooLarge(deps.config.maxMessageSize));
    return undefined;
  }
  const message = parseMessage(body.toString('utf8'));
  if (message.kind !== 'invalid') return message;
  refuseWith(res, refuse.notJsonRpc(message.reason, message.reason === 'not valid JSON'));
  return undefined;
}
