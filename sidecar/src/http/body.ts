// Reads the one JSON-RPC message in a request body, up to --max-message-size, answering 413/400 itself when it
// cannot. The body must be UTF-8 (invalid bytes are refused, never replaced and forwarded) and nest no deeper than
// --max-json-depth (checked before parsing; see packages/protocol/src/limits.ts).

import type { IncomingMessage, ServerResponse } from 'node:http';

import { readBody } from '@mcp-sidecar/edge';
import { type ClassifiedMessage, parseMessage } from '@mcp-sidecar/protocol';

import { refuse } from '../errors.ts';
import type { HttpDeps } from './deps.ts';
import { refuseWith } from './replies.ts';

/** `fatal`: a malformed sequence throws instead of becoming U+FFFD. */
const UTF8 = new TextDecoder('utf-8', { fatal: true });

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
  let text: string;
  try {
    text = UTF8.decode(body);
  } catch {
    refuseWith(res, refuse.invalidUtf8());
    return undefined;
  }
  const maxDepth = deps.config.maxJsonDepth;
  const message = parseMessage(text, maxDepth);
  if (message.kind !== 'invalid') return message;
  if (message.limit === 'depth') refuseWith(res, refuse.tooDeep(maxDepth));
  else refuseWith(res, refuse.notJsonRpc(message.reason, message.reason === 'not valid JSON'));
  return undefined;
}
