// The one table of the bridge's errors: each stable code, its family, HTTP status, JSON-RPC code and what it
// means. errors.ts words them; the README's errors table is generated from this one (a test keeps them in step).
// Pure data.

import { ERROR_CODES } from '@mcp-sidecar/protocol';

interface ErrorSpec {
  readonly family: 'http' | 'rpc';
  /** HTTP status, for refusals. */
  readonly status?: number;
  readonly rpcCode: number;
  readonly meaning: string;
}

const http = (status: number, meaning: string, rpcCode: number = ERROR_CODES.serverError): ErrorSpec => ({
  family: 'http',
  status,
  rpcCode,
  meaning,
});
const rpc = (meaning: string, rpcCode: number = ERROR_CODES.serverError): ErrorSpec => ({
  family: 'rpc',
  rpcCode,
  meaning,
});

const PARAMS = ERROR_CODES.invalidParams;
const INVALID_REQUEST = ERROR_CODES.invalidRequest;
const NOT_FOUND = ERROR_CODES.methodNotFound;

export const ERRORS = {
  unknown_path: http(404, 'The path is neither the MCP endpoint nor the legacy /sse and /messages.'),
  method_not_allowed: http(405, 'The HTTP method is not part of the transport at that path.'),
  origin_forbidden: http(403, 'The Origin header names an origin that is not allowed (--allowed-origins).'),
  host_forbidden: http(403, 'The Host header is not allowed (DNS rebinding protection, --allowed-hosts).'),
  not_acceptable: http(406, 'The Accept header does not list the media types the answer needs.'),
  unsupported_media_type: http(415, 'The body is not sent as application/json.'),
  unsupported_protocol_version: http(400, 'MCP-Protocol-Version names a revision the bridge does not serve.'),
  session_id_required: http(400, 'The request needs an Mcp-Session-Id header (or the legacy sessionId).'),
  session_not_found: http(404, 'The session does not exist or has ended.', -32001),
  legacy_session_not_found: http(404, 'The legacy session does not exist, or its SSE stream is not open.'),
  stream_conflict: http(409, 'The session already has its one GET stream open.'),
  bad_last_event_id: http(400, 'Last-Event-ID was not issued by this bridge.'),
  payload_too_large: http(413, 'The body is over --max-message-size; the connection is closed.'),
  parse_error: http(400, 'The body is not valid JSON.', ERROR_CODES.parseError),
  invalid_utf8: http(400, 'The body is not valid UTF-8 (it is refused, never repaired).', ERROR_CODES.parseError),
  too_deep: http(400, 'The body nests arrays and objects deeper than --max-json-depth.', ERROR_CODES.invalidRequest),
  invalid_request: http(400, 'The body is JSON but not one JSON-RPC message.', ERROR_CODES.invalidRequest),
  bad_http: http(400, 'The request is not valid HTTP/1.1; the connection is closed.'),
  read_timeout: http(408, 'The headers or the body did not arrive within --headers-timeout / --body-timeout.'),
  headers_too_large: http(431, 'The request line and headers are over --max-header-size; the connection is closed.'),
  too_many_connections: http(503, '--max-connections connections are open; this one is closed (Retry-After: 1).'),
  admin_origin_forbidden: http(
    403,
    'A request to the admin port carried an Origin header (browsers have no business there).',
  ),
  shutting_down: http(503, 'The bridge is shutting down and opens no new sessions (Retry-After: 1).'),
  too_many_sessions: http(503, '--max-sessions sessions are open (Retry-After: 5).'),
  upstream_not_ready: http(503, 'The shared MCP server did not get ready in time (Retry-After: 2).'),
  unauthorized: http(401, 'No certificate, mesh identity or bearer token, and --auth requires one (WWW-Authenticate).'),
  invalid_token: http(401, 'The bearer token failed verification: expired, wrong audience or issuer, unknown key…'),
  auth_unavailable: http(503, 'The bearer token could not be checked: the JWKS could not be fetched (Retry-After: 5).'),
  bad_forwarded_identity: http(400, 'A trusted proxy sent an x-forwarded-client-cert the bridge cannot read.'),
  internal_error: http(500, 'The bridge failed to handle the request; its logs say why.', ERROR_CODES.internalError),
  modern_not_request: http(400, '2026-07-28: a POSTed JSON-RPC response (responses need a session).', INVALID_REQUEST),
  modern_meta_invalid: http(400, '2026-07-28: _meta lacks the protocol version or client capabilities.', PARAMS),
  header_mismatch: http(
    400,
    'MCP-Protocol-Version, Mcp-Method or Mcp-Name missing or not the body (HeaderMismatch).',
    -32020,
  ),
  modern_version_unsupported: http(400, 'A revision the bridge does not serve; data lists the supported ones.', -32022),
  modern_method_not_found: http(
    404,
    'Not a 2026-07-28 method (initialize, ping… were removed), or not offered.',
    NOT_FOUND,
  ),
  client_capability_missing: http(400, 'The server asked for input the request did not declare; see data.', -32021),
  request_state_invalid: http(400, 'requestState fails its signature: tampered, malformed, or another key.', PARAMS),
  request_state_expired: http(400, 'requestState is older than --input-timeout.', PARAMS),
  request_state_replayed: http(400, 'requestState of an earlier round, or sent with another request.', PARAMS),
  request_state_wrong_replica: http(400, 'requestState was issued by another replica; retry there.', PARAMS),
  call_not_waiting: http(
    400,
    'requestState names a call that no longer waits (finished, cancelled, timed out).',
    PARAMS,
  ),
  input_responses_invalid: http(400, 'inputResponses is not an object of objects.', PARAMS),
  too_many_input_waits: http(503, '--max-input-waits calls are waiting for client input (Retry-After: 5).'),
  too_many_subscriptions: http(503, '--max-sessions subscriptions/listen streams are open (Retry-After: 5).'),
  upstream_exited: rpc('The MCP server ended while handling the request; data has its exit code and signal.'),
  upstream_stopped: rpc('The bridge stopped the MCP server (shutdown) before the request finished.'),
  upstream_unavailable: rpc('The MCP server is restarting or not running; the request never reached it.'),
  upstream_http_error: rpc('The HTTP upstream answered the request with an HTTP error status; data has the status.'),
  upstream_stream_lost: rpc(
    "The HTTP upstream's stream for the request ended without the answer and could not be resumed.",
  ),
  request_timeout: rpc('The server did not answer within --request-timeout; it was sent notifications/cancelled.'),
  not_forwarded: rpc(
    'The bridge could not write the request to the server; its logs say why.',
    ERROR_CODES.internalError,
  ),
  answer_too_large: rpc("The server's answer was over --max-message-size.", ERROR_CODES.internalError),
  answer_too_deep: rpc("The server's answer nested deeper than --max-json-depth.", ERROR_CODES.internalError),
  unattributable: rpc('To the server: a server→client request no single client can be found for.'),
  capability_missing: rpc('To the server: the client did not declare the capability.', ERROR_CODES.methodNotFound),
  input_timed_out: rpc(
    'To the server: the 2026-07-28 client did not answer within --input-timeout; its call is cancelled.',
  ),
  input_not_allowed: rpc(
    'To the server: a 2026-07-28 client can be asked for input only during tools/call, prompts/get, resources/read.',
  ),
  input_abandoned: rpc('To the server: the 2026-07-28 client closed or cancelled the request the input was for.'),
  access_denied: rpc('The access policy (--policy) does not let this caller use the tool, prompt or resource.'),
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERRORS;

/** The README's errors table. */
export function renderErrorsMarkdown(): string {
  const rows = (Object.keys(ERRORS) as ErrorCode[]).map((code) => {
    const spec: ErrorSpec = ERRORS[code];
    const status = spec.status === undefined ? '—' : String(spec.status);
    return `| \`${code}\` | ${spec.family === 'http' ? 'HTTP refusal' : 'JSON-RPC error'} | ${status} | ${spec.rpcCode} | ${spec.meaning} |`;
  });
  return ['| Code | Family | HTTP status | JSON-RPC code | When |', '| --- | --- | --- | --- | --- |', ...rows].join(
    '\n',
  );
}
