// The refusals of 2026-07-28 requests, worded once: the spec fixes their HTTP status, JSON-RPC code and `data`
// shape (their codes are in errors.ts's one table, and `refuse` there includes them). Kept apart from errors.ts for
// its size; the refusal class is handed in, so neither module needs the other at run time. Pure.

import { BRIDGE_SUPPORTED_VERSIONS } from './era/classify.ts';
import type { ErrorCode, HttpRefusal } from './errors.ts';

type Make = (
  code: ErrorCode,
  message: string,
  headers?: Readonly<Record<string, string>>,
  data?: unknown,
) => HttpRefusal;

const AGAIN = 'send the request again without it';

type Clip = (value: string) => string;

/** A 2026-07-28 refusal: its status and code are the table's; `data` has the shape the spec gives it. */
const refusalOf =
  (make: Make) =>
  (code: ErrorCode, message: string, data?: unknown): HttpRefusal =>
    make(code, message, undefined, data);

/** What an invalid or unservable request is answered with. */
function requestRefusals(make: Make, clip: Clip) {
  const modern = refusalOf(make);
  const busy = (code: ErrorCode, message: string) => make(code, message, { 'retry-after': '5' });
  return {
    notRequest: () =>
      modern(
        'modern_not_request',
        'Invalid Request: a 2026-07-28 POST is a request or a notification; responses need a session',
      ),
    meta: (problem: string) => modern('modern_meta_invalid', `Invalid params: ${problem}`),
    header: (detail: string) => modern('header_mismatch', `Bad Request: ${detail}`),
    version: (requested: string) =>
      modern(
        'modern_version_unsupported',
        `Unsupported protocol version "${clip(requested)}"; this bridge serves ${BRIDGE_SUPPORTED_VERSIONS.join(', ')}`,
        { supported: BRIDGE_SUPPORTED_VERSIONS, requested },
      ),
    method: (method: string, why: string) =>
      modern('modern_method_not_found', `Method not found: ${clip(method)} ${why}`, { reason: why }),
    capability: (method: string, capability: string) =>
      modern(
        'client_capability_missing',
        `the MCP server needs ${method} to handle this request, and the request's clientCapabilities do not declare "${capability}"; declare it to be asked through input_required`,
        { requiredCapabilities: { [capability]: {} } },
      ),
    inputResponses: (detail: string) => modern('input_responses_invalid', `Invalid params: inputResponses ${detail}`),
    tooManyInputWaits: (max: number) =>
      busy(
        'too_many_input_waits',
        `Service Unavailable: ${max} calls already wait for client input (--max-input-waits); retry later`,
      ),
    tooManySubscriptions: (max: number) =>
      busy(
        'too_many_subscriptions',
        `Service Unavailable: ${max} subscriptions/listen streams are open (--max-sessions); close one or retry later`,
      ),
  };
}

/** What a retry whose requestState or answers cannot be used is answered with. */
function stateRefusals(make: Make, clip: Clip) {
  const modern = refusalOf(make);
  return {
    stateInvalid: (why: string) =>
      modern(
        'request_state_invalid',
        `Invalid params: requestState ${why}; send back the requestState of the last input_required result unchanged (replicas of one deployment need the same --state-key-file)`,
        { reason: 'invalid_request_state' },
      ),
    stateExpired: (ageMs: number) =>
      modern(
        'request_state_expired',
        `Invalid params: requestState expired ${Math.round(ageMs / 1000)} s ago (--input-timeout); ${AGAIN}`,
        { reason: 'expired_request_state' },
      ),
    stateReplayed: (why: string) =>
      modern('request_state_replayed', `Invalid params: requestState ${why}`, { reason: 'replayed_request_state' }),
    wrongReplica: (issuer: string, here: string) =>
      modern(
        'request_state_wrong_replica',
        `Invalid params: requestState was issued by replica "${clip(issuer)}" and reached "${here}"; the call waits there, so route retries to the replica that answered input_required (session affinity on the client)`,
        { reason: 'wrong_replica', replica: issuer },
      ),
    notWaiting: () =>
      modern(
        'call_not_waiting',
        `Invalid params: requestState names a call that no longer waits for input (it finished, was cancelled or timed out); ${AGAIN}`,
        { reason: 'call_not_waiting' },
      ),
  };
}

/** Every 2026-07-28 refusal, for errors.ts's `refuse`; `make` builds an HttpRefusal, `clip` cuts untrusted values. */
export const modernRefusals = (make: Make, clip: Clip) => ({
  ...requestRefusals(make, clip),
  ...stateRefusals(make, clip),
});
