// The media types each kind of MCP request must declare (spec 2025-11-25, "Sending Messages"): endpoints check
// them, since which apply depends on the method.

import { type HttpRefusal, refuse } from '../errors.ts';

function mediaTypes(accept: string | undefined): string[] {
  if (accept === undefined) return ['*/*'];
  return accept.split(',').map((part) => (part.split(';')[0] ?? '').trim().toLowerCase());
}

/** POST: the client must take both answer forms, JSON and SSE (spec: the Accept header lists both). */
export function checkPostAccept(accept: string | undefined): HttpRefusal | undefined {
  const types = mediaTypes(accept);
  const json = types.some((type) => type === 'application/json' || type === 'application/*' || type === '*/*');
  const sse = types.some((type) => type === 'text/event-stream' || type === 'text/*' || type === '*/*');
  if (json && sse) return undefined;
  return refuse.notAcceptable('the Accept header must list both application/json and text/event-stream');
}

export function checkGetAccept(accept: string | undefined): HttpRefusal | undefined {
  const types = mediaTypes(accept);
  if (types.some((type) => type === 'text/event-stream' || type === 'text/*' || type === '*/*')) return undefined;
  return refuse.notAcceptable('a GET stream needs an Accept header that lists text/event-stream');
}

export function checkContentType(contentType: string | undefined): HttpRefusal | undefined {
  const type = (contentType?.split(';')[0] ?? '').trim().toLowerCase();
  if (type === 'application/json') return undefined;
  return refuse.mediaType();
}
