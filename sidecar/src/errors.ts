// The bridge's errors: two families with stable codes (their table is error-codes.ts).
//   HttpRefusal  the HTTP request is refused (a status, a JSON-RPC error body whose message reads
//                "Reason-Phrase: what happened and what to do", sometimes headers).
//   RpcFailure   a JSON-RPC error answering a request: to a client whose request failed, or to the server for a
//                server→client request the bridge cannot relay.
// What an agent or an operator reads is worded once, here. Pure: no I/O, so the router uses it too.

import { formatDuration } from '@mcp-sidecar/contract';
import { SUPPORTED_PROTOCOL_VERSIONS } from '@mcp-sidecar/protocol';

import { type ErrorCode, ERRORS } from './error-codes.ts';
import { modernRefusals } from './errors-modern.ts';

export { type ErrorCode, ERRORS, renderErrorsMarkdown } from './error-codes.ts';

/** An HTTP request the bridge refuses; `message` is the body's JSON-RPC error message. */
export class HttpRefusal {
  readonly code: ErrorCode;
  readonly message: string;
  readonly headers: Readonly<Record<string, string>> | undefined;
  /** The JSON-RPC error's `data`, when its shape is part of the protocol (e.g. -32022's supported versions). */
  readonly data: unknown;

  constructor(code: ErrorCode, message: string, headers?: Readonly<Record<string, string>>, data?: unknown) {
    this.code = code;
    this.message = message;
    this.headers = headers;
    this.data = data;
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

/** Longest untrusted value (a header, an id, a name) quoted whole in a message; longer ones are cut. */
export const QUOTE_LIMIT = 64;

/** An untrusted value as quoted in messages and logs: cut to QUOTE_LIMIT characters, saying how long it was. */
export const clip = (value: string, limit = QUOTE_LIMIT): string =>
  value.length <= limit ? value : `${value.slice(0, limit)}… (${value.length} characters)`;

/** Every HTTP refusal, worded once. */
export const refuse = {
  ...modernRefusals((code, message, headers, data) => new HttpRefusal(code, message, headers, data), clip),
  unknownPath: (endpoint: string, legacySse: string) =>
    new HttpRefusal('unknown_path', `Not Found: the MCP endpoint is ${endpoint} (legacy HTTP+SSE: ${legacySse})`),
  methodNotAllowed: (detail: string, allow: string) =>
    new HttpRefusal('method_not_allowed', `Method Not Allowed: ${detail}`, { allow }),
  origin: (origin: string) =>
    new HttpRefusal(
      'origin_forbidden',
      `Forbidden: Origin ${clip(origin)} is not allowed; start the bridge with --allowed-origins ${clip(origin)} to allow it`,
    ),
  host: (host: string) =>
    new HttpRefusal(
      'host_forbidden',
      `Forbidden: Host ${clip(host)} is not allowed (DNS rebinding protection); use --allowed-hosts to allow it`,
    ),
  adminOrigin: () =>
    new HttpRefusal(
      'admin_origin_forbidden',
      'Forbidden: the admin port answers probes and scrapers, not browsers; send the request without an Origin header',
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
      `Bad Request: unsupported MCP-Protocol-Version "${clip(version ?? '')}"; this bridge serves ${SUPPORTED_PROTOCOL_VERSIONS.join(', ')}`,
    ),
  sessionIdRequired: (detail: string) => new HttpRefusal('session_id_required', `Bad Request: ${detail}`),
  sessionNotFound: (id: string) =>
    new HttpRefusal(
      'session_not_found',
      `Not Found: session ${clip(id)} does not exist or has ended; start a new session with initialize`,
    ),
  legacySessionNotFound: (detail: string) => new HttpRefusal('legacy_session_not_found', `Not Found: ${detail}`),
  streamConflict: (detail: string) => new HttpRefusal('stream_conflict', `Conflict: ${detail}`),
  lastEventId: (value: string) =>
    new HttpRefusal('bad_last_event_id', `Bad Request: Last-Event-ID "${clip(value)}" was not issued by this server`),
  tooLarge: (limit: number) =>
    new HttpRefusal('payload_too_large', `Payload Too Large: the message is over --max-message-size (${limit} bytes)`, {
      connection: 'close',
    }),
  notJsonRpc: (reason: string, notJson: boolean) =>
    new HttpRefusal(
      notJson ? 'parse_error' : 'invalid_request',
      `Bad Request: the body is not one JSON-RPC message (${reason})`,
    ),
  invalidUtf8: () =>
    new HttpRefusal(
      'invalid_utf8',
      'Bad Request: the body is not valid UTF-8; send the JSON-RPC message encoded as UTF-8',
    ),
  tooDeep: (limit: number) =>
    new HttpRefusal(
      'too_deep',
      `Bad Request: the message nests arrays and objects deeper than ${limit} levels (--max-json-depth); send flatter params`,
    ),
  badHttp: () => new HttpRefusal('bad_http', 'Bad Request: the request is not valid HTTP/1.1', { connection: 'close' }),
  readTimeout: (headersMs: number, bodyMs: number) =>
    new HttpRefusal(
      'read_timeout',
      `Request Timeout: the request did not arrive in time (headers within ${formatDuration(headersMs)}, --headers-timeout; ` +
        `all of it within ${formatDuration(bodyMs)}, --body-timeout); the connection is closed`,
      { connection: 'close' },
    ),
  headersTooLarge: (limit: number) =>
    new HttpRefusal(
      'headers_too_large',
      `Request Header Fields Too Large: the request line and headers are over ${limit} bytes (--max-header-size); ` +
        'send shorter headers',
      { connection: 'close' },
    ),
  tooManyConnections: (max: number) =>
    new HttpRefusal(
      'too_many_connections',
      `Service Unavailable: mcp-sidecar already has ${max} open connections (--max-connections); ` +
        'retry shortly, or reuse connections (keep-alive)',
      { connection: 'close', 'retry-after': '1' },
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
  target ? `${clip(method)} '${clip(target)}'` : clip(method);

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
  requestTimeout: (what: string, timeoutMs: number) =>
    new RpcFailure(
      'request_timeout',
      `the MCP server did not answer ${what} within ${formatDuration(timeoutMs)} (mcp-sidecar's --request-timeout), so ` +
        'mcp-sidecar cancelled it; retry, or ask the operator to raise --request-timeout if the tool is that slow',
    ),
  notForwarded: (what: string) =>
    new RpcFailure(
      'not_forwarded',
      `mcp-sidecar could not send ${what} to the MCP server (see the bridge's logs); the request was not started`,
    ),
  answerTooLarge: (bytes: number) =>
    new RpcFailure(
      'answer_too_large',
      `the MCP server's answer was ${bytes} bytes or more, over mcp-sidecar's --max-message-size; raise the limit or ask for less data`,
    ),
  answerTooDeep: (limit: number) =>
    new RpcFailure(
      'answer_too_deep',
      `the MCP server's answer nested arrays and objects deeper than ${limit} levels (mcp-sidecar's --max-json-depth), so it was not forwarded`,
    ),
  unattributable: (method: string, inflight: number, clients?: number) => {
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
  inputTimedOut: (method: string, timeoutMs: number) =>
    new RpcFailure(
      'input_timed_out',
      `the client did not answer ${method} within ${Math.round(timeoutMs / 1000)} s (mcp-sidecar --input-timeout); the call is cancelled`,
    ),
  inputNotAllowed: (method: string, during: string) =>
    new RpcFailure(
      'input_not_allowed',
      `a 2026-07-28 client cannot answer ${method} during ${during}; only tools/call, prompts/get and resources/read can ask for input`,
    ),
  inputAbandoned: (method: string) =>
    new RpcFailure('input_abandoned', `the client closed or cancelled the request ${method} was for`),
  undeclaredInput: (method: string, capability: string) =>
    new RpcFailure(
      'capability_missing',
      `the 2026-07-28 request this is for did not declare the "${capability}" capability in its _meta, so its client cannot answer ${method}`,
    ),
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
