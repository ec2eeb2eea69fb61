// The bridge's errors: two families with stable codes, and the one table of them (the README's errors table is
// generated from it, and a test keeps the two in step).
//   HttpRefusal  the HTTP request is refused (a status, a JSON-RPC error body whose message reads
//                "Reason-Phrase: what happened and what to do", sometimes headers).
//   RpcFailure   a JSON-RPC error answering a request: to a client whose request failed, or to the server for a
//                server→client request the bridge cannot relay.
// What an agent or an operator reads is worded once, here. Pure: no I/O, so the router uses it too.

import { ERROR_CODES, SUPPORTED_PROTOCOL_VERSIONS } from '@mcp-sidecar/protocol';

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
  invalid_request: http(400, 'The body is JSON but not one JSON-RPC message.', ERROR_CODES.invalidRequest),
  shutting_down: http(503, 'The bridge is shutting down and opens no new sessions (Retry-After: 1).'),
  too_many_sessions: http(503, '--max-sessions sessions are open (Retry-After: 5).'),
  upstream_not_ready: http(503, 'The shared MCP server did not get ready in time (Retry-After: 2).'),
  unauthorized: http(401, 'No certificate, mesh identity or bearer token, and --auth requires one (WWW-Authenticate).'),
  invalid_token: http(401, 'The bearer token failed verification: expired, wrong audience or issuer, unknown key…'),
  auth_unavailable: http(503, 'The bearer token could not be checked: the JWKS could not be fetched (Retry-After: 5).'),
  bad_forwarded_identity: http(400, 'A trusted proxy sent an x-forwarded-client-cert the bridge cannot read.'),
  internal_error: http(500, 'The bridge failed to handle the request; its logs say why.', ERROR_CODES.internalError),
  upstream_exited: rpc('The MCP server ended while handling the request; data has its exit code and signal.'),
  upstream_stopped: rpc('The bridge stopped the MCP server (shutdown) before the request finished.'),
  upstream_unavailable: rpc('The MCP server is restarting or not running; the request never reached it.'),
  upstream_http_error: rpc('The HTTP upstream answered the request with an HTTP error status; data has the status.'),
  upstream_stream_lost: rpc(
    "The HTTP upstream's stream for the request ended without the answer and could not be resumed.",
  ),
  answer_too_large: rpc("The server's answer was over --max-message-size.", ERROR_CODES.internalError),
  unattributable: rpc('To the server: a server→client request no single client can be found for.'),
  capability_missing: rpc('To the server: the client did not declare the capability.', ERROR_CODES.methodNotFound),
  access_denied: rpc('The access policy (--policy) does not let this caller use the tool, prompt or resource.'),
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERRORS;

/** An HTTP request the bridge refuses; `message` is the body's JSON-RPC error message. */
export class HttpRefusal {
  readonly code: ErrorCode;
  readonly message: string;
  readonly headers: Readonly<Record<string, string>> | undefined;

  constructor(code: ErrorCode, message: string, headers?: Readonly<Record<string, string>>) {
    this.code = code;
    this.message = message;
    this.headers = headers;
  }

  get status(): number {
    return ERRORS[this.code].status ?? 500;
  }

  get rpcCode(): number {
    return ERRORS[this.code].rpcCode;
  }
}

/** A JSON-RPC error object with its stable code kept alongside (not sent: the wire carries rpcCode). */
export class RpcFailure {
  readonly code: ErrorCode;
  readonly message: string;
  readonly data: unknown;

  constructor(code: ErrorCode, message: string, data?: unknown) {
    this.code = code;
    this.message = message;
    this.data = data;
  }

  /** The JSON-RPC error object as sent. */
  toJson(): { code: number; message: string; data?: unknown } {
    const rpcCode = ERRORS[this.code].rpcCode;
    return this.data === undefined
      ? { code: rpcCode, message: this.message }
      : { code: rpcCode, message: this.message, data: this.data };
  }
}

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

/** Every HTTP refusal, worded once. */
export const refuse = {
  unknownPath: (endpoint: string, legacySse: string) =>
    new HttpRefusal('unknown_path', `Not Found: the MCP endpoint is ${endpoint} (legacy HTTP+SSE: ${legacySse})`),
  methodNotAllowed: (detail: string, allow: string) =>
    new HttpRefusal('method_not_allowed', `Method Not Allowed: ${detail}`, { allow }),
  origin: (origin: string) =>
    new HttpRefusal(
      'origin_forbidden',
      `Forbidden: Origin ${origin} is not allowed; start the bridge with --allowed-origins ${origin} to allow it`,
    ),
  host: (host: string) =>
    new HttpRefusal(
      'host_forbidden',
      `Forbidden: Host ${host} is not allowed (DNS rebinding protection); use --allowed-hosts to allow it`,
    ),
  notAcceptable: (detail: string) => new HttpRefusal('not_acceptable', `Not Acceptable: ${detail}`),
  mediaType: () =>
    new HttpRefusal(
      'unsupported_media_type',
      'Unsupported Media Type: send the JSON-RPC message with Content-Type: application/json',
    ),
  protocolVersion: (version: string | undefined) =>
    new HttpRefusal(
      'unsupported_protocol_version',
      `Bad Request: unsupported MCP-Protocol-Version "${version}"; this bridge serves ${SUPPORTED_PROTOCOL_VERSIONS.join(', ')}`,
    ),
  sessionIdRequired: (detail: string) => new HttpRefusal('session_id_required', `Bad Request: ${detail}`),
  sessionNotFound: (id: string) =>
    new HttpRefusal(
      'session_not_found',
      `Not Found: session ${id} does not exist or has ended; start a new session with initialize`,
    ),
  legacySessionNotFound: (detail: string) => new HttpRefusal('legacy_session_not_found', `Not Found: ${detail}`),
  streamConflict: (detail: string) => new HttpRefusal('stream_conflict', `Conflict: ${detail}`),
  lastEventId: (value: string) =>
    new HttpRefusal('bad_last_event_id', `Bad Request: Last-Event-ID "${value}" was not issued by this server`),
  tooLarge: (limit: number) =>
    new HttpRefusal('payload_too_large', `Payload Too Large: the message is over --max-message-size (${limit} bytes)`, {
      connection: 'close',
    }),
  notJsonRpc: (reason: string, notJson: boolean) =>
    new HttpRefusal(
      notJson ? 'parse_error' : 'invalid_request',
      `Bad Request: the body is not one JSON-RPC message (${reason})`,
    ),
  shuttingDown: () =>
    new HttpRefusal('shutting_down', 'Service Unavailable: mcp-sidecar is shutting down', { 'retry-after': '1' }),
  tooManySessions: (max: number) =>
    new HttpRefusal(
      'too_many_sessions',
      `Service Unavailable: mcp-sidecar already has ${max} open sessions (--max-sessions); retry later, or end unused sessions with DELETE`,
      { 'retry-after': '5' },
    ),
  upstreamNotReady: (why: string) =>
    new HttpRefusal('upstream_not_ready', `Service Unavailable: the MCP server is not ready (${why}); retry shortly`, {
      'retry-after': '2',
    }),
  unauthorized: (metadataUrl: string) =>
    new HttpRefusal(
      'unauthorized',
      'Unauthorized: send Authorization: Bearer <token>, or connect with a client certificate; the resource metadata says how to get a token',
      { 'www-authenticate': `Bearer resource_metadata="${metadataUrl}"` },
    ),
  invalidToken: (reason: string, metadataUrl: string) =>
    new HttpRefusal('invalid_token', `Unauthorized: ${reason}; get a new token and retry`, {
      'www-authenticate': `Bearer error="invalid_token", error_description="${headerText(reason)}", resource_metadata="${metadataUrl}"`,
    }),
  authUnavailable: (reason: string) =>
    new HttpRefusal('auth_unavailable', `Service Unavailable: ${reason}; retry shortly`, { 'retry-after': '5' }),
  forwardedIdentity: (problem: string) =>
    new HttpRefusal(
      'bad_forwarded_identity',
      `Bad Request: the x-forwarded-client-cert header from a --trusted-proxies peer cannot be read (${problem}); check the proxy's forward_client_cert_details`,
    ),
  internal: () =>
    new HttpRefusal('internal_error', 'Internal Server Error: mcp-sidecar failed to handle the request; see its logs'),
};

/** A quoted-string of a header (RFC 9110) holds no `"` or `\`, and nothing outside printable ASCII. */
const headerText = (text: string): string => text.replace(/["\\]/g, "'").replace(/[^\x20-\x7e]/g, '?');

/** A problem with the bridge's own set-up found at start-up (files, keys, policy): exit 2 with this one line. */
export class SetupError extends Error {}

/** Why the bridge cannot start, worded once. */
export const cannotStart = {
  listen: (what: string, flag: string, host: string, port: number, code: string | undefined) =>
    new SetupError(
      code === 'EADDRINUSE'
        ? `port ${port} on ${host} (the ${what}) is already in use; stop what uses it, or choose another port with ${flag}`
        : code === 'EACCES'
          ? `not allowed to listen on port ${port} on ${host} (the ${what}); choose a port of 1024 or more with ${flag}`
          : `cannot listen on ${host}:${port} (the ${what}): ${code ?? 'unknown error'}; check ${flag} and the host option`,
    ),
};

/** What the bridge says while a server it started has said nothing at all (a log line, /status, the 503). */
export const silentServer = (seconds: number): string =>
  `the MCP server has written nothing on its stdout ${seconds} s after it was sent initialize, though it is still ` +
  'running: it most likely buffers its output because stdout is not a terminal (Python does). Fix it with one of: ' +
  'run it on a terminal (mcp-sidecar --pty, mcp-shim --pty, in a pod the annotation mcp.io/pty: "true"), ' +
  'set PYTHONUNBUFFERED=1 (or python3 -u), or flush after each message (print(..., flush=True)). ' +
  'If it is only slow to start (npx downloading it), wait';

/** The message of anything thrown. */
export const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** What a request was about, in error messages: `tools/call 'search'`. */
export const requestLabel = (method: string, target: string | undefined): string =>
  target ? `${method} '${target}'` : method;

/** Every JSON-RPC failure, worded once. */
export const fail = {
  upstreamExited: (end: string, what: string, restarting: boolean, data: unknown) =>
    new RpcFailure(
      'upstream_exited',
      `the MCP server ${end} while handling ${what}; ${
        restarting
          ? 'mcp-sidecar is restarting it; retry the request in a moment'
          : 'start a new session (initialize) to get a new server process'
      }`,
      data,
    ),
  upstreamStopped: (what: string) =>
    new RpcFailure(
      'upstream_stopped',
      `mcp-sidecar is shutting down and stopped the MCP server before it finished ${what}; retry the request`,
    ),
  upstreamUnavailable: (restarting: boolean, lastEnd: string | undefined) => {
    const cause = lastEnd ? ` after it ${lastEnd}` : '';
    return new RpcFailure(
      'upstream_unavailable',
      restarting
        ? `the MCP server is restarting${cause}; retry the request in a moment`
        : `the MCP server is not running${cause}; start a new session (initialize)`,
    );
  },
  upstreamHttpStatus: (url: string, status: number, what: string, detail: string) =>
    new RpcFailure(
      'upstream_http_error',
      `the MCP server at ${url} answered ${what} with HTTP ${status}${detail ? ` (${detail})` : ''}; mcp-sidecar passed it on unchanged, so check the server's logs`,
      { status },
    ),
  upstreamStreamLost: (url: string, what: string, why: string) =>
    new RpcFailure(
      'upstream_stream_lost',
      `the MCP server at ${url} ${why} before answering ${what}, and the stream could not be resumed; retry the request`,
    ),
  answerTooLarge: (bytes: number) =>
    new RpcFailure(
      'answer_too_large',
      `the MCP server's answer was ${bytes} bytes or more, over mcp-sidecar's --max-message-size; raise the limit or ask for less data`,
    ),
  unattributable: (method: string, inflight: number, clients: number) => {
    if (clients === 0) {
      return new RpcFailure(
        'unattributable',
        `no MCP client is connected to mcp-sidecar yet, so none can answer ${method}; ask again while handling a client's request`,
      );
    }
    const why =
      inflight === 0
        ? 'no client request is in flight'
        : `${inflight} requests from different clients are in flight on this shared connection`;
    return new RpcFailure(
      'unattributable',
      `mcp-sidecar cannot tell which client ${method} is for: ${why}. Send it while handling exactly one request ` +
        '(MCP SEP-2260), or run the bridge with --session-mode per-session.',
    );
  },
  accessDenied: (what: string, caller: string, reason: string) =>
    new RpcFailure(
      'access_denied',
      `mcp-sidecar's access policy does not let ${caller} use ${what}: ${reason}. It was not sent to the MCP server; ` +
        'ask the operator to change the policy, or use a tool from your tools/list',
    ),
  capabilityMissing: (method: string, capability: string) =>
    new RpcFailure(
      'capability_missing',
      `the client of this session did not declare the "${capability}" capability, so it cannot answer ${method}`,
    ),
};
