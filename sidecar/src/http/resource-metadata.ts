// RFC 9728 protected-resource metadata, which the MCP authorization spec requires of a server that takes bearer
// tokens: served at /.well-known/oauth-protected-resource and at the form suffixed with the MCP path (clients try
// the path-suffixed one first), and named by every 401's WWW-Authenticate.

import type { IncomingMessage, ServerResponse } from 'node:http';

import { refuse } from '../errors.ts';
import { refuseWith } from './replies.ts';

export const METADATA_PATH = '/.well-known/oauth-protected-resource';

export const isMetadataPath = (path: string, mcpPath: string): boolean =>
  path === METADATA_PATH || path === `${METADATA_PATH}${mcpPath}`;

export function serveMetadata(req: IncomingMessage, res: ServerResponse, document: Record<string, unknown>): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    return refuseWith(res, refuse.methodNotAllowed('the resource metadata is read with GET', 'GET'));
  }
  const body = JSON.stringify(document);
  res.writeHead(200, {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(body)),
    // Browser-based clients fetch it cross-origin; it is public by design.
    'access-control-allow-origin': '*',
    'cache-control': 'max-age=300',
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}
