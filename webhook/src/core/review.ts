// AdmissionReview v1 in and out. decodeReview never throws: anything that is not a well-formed review becomes a
// message for an HTTP 400, which the API server treats as a call failure (and applies the webhook's failurePolicy).
// encodeReview always echoes the request's uid, without which the API server discards the response.

import type { AdmissionRequest, AdmitResult } from './admit.ts';
import { isObject } from './json.ts';

export const ADMISSION_API_VERSION = 'admission.k8s.io/v1';
export const ADMISSION_KIND = 'AdmissionReview';

export type Decoded =
  { readonly ok: true; readonly request: AdmissionRequest } | { readonly ok: false; readonly message: string };

const bad = (message: string): Decoded => ({ ok: false, message: `bad AdmissionReview: ${message}` });

export function decodeReview(body: string): Decoded {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (error) {
    return bad(`the body is not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  if (!isObject(json)) return bad('the body must be a JSON object');
  if (json.apiVersion !== ADMISSION_API_VERSION || json.kind !== ADMISSION_KIND) {
    return bad(
      `expected apiVersion "${ADMISSION_API_VERSION}" and kind "${ADMISSION_KIND}", got ` +
        `"${String(json.apiVersion)}" and "${String(json.kind)}"; set admissionReviewVersions: ["v1"] in the webhook configuration`,
    );
  }
  const request = json.request;
  if (!isObject(request)) return bad('request is missing');
  if (typeof request.uid !== 'string' || request.uid === '') return bad('request.uid is missing');
  if (request.object === undefined || request.object === null) return bad('request.object is missing');
  const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
  const kind = isObject(request.kind) ? request.kind : {};
  return {
    ok: true,
    request: {
      uid: request.uid,
      kind: { group: text(kind.group), version: text(kind.version), kind: text(kind.kind) },
      subResource: text(request.subResource),
      operation: text(request.operation),
      namespace: text(request.namespace),
      name: text(request.name),
      object: request.object,
      dryRun: request.dryRun === true,
    },
  };
}

/** The response AdmissionReview. A denial's status.reason carries the reason code (kubectl prints it). */
export function encodeReview(uid: string, result: AdmitResult): Record<string, unknown> {
  const response: Record<string, unknown> = { uid, allowed: result.allowed };
  if (result.allowed && result.patch.length > 0) {
    response.patchType = 'JSONPatch';
    response.patch = Buffer.from(JSON.stringify(result.patch)).toString('base64');
  }
  if (!result.allowed) {
    const code = result.outcome === 'error' ? 500 : 400;
    response.status = { status: 'Failure', code, reason: result.reason, message: result.message };
  }
  if (result.warnings.length > 0) response.warnings = [...result.warnings];
  // The API server prefixes these keys with the webhook name in the audit log.
  response.auditAnnotations = { decision: result.outcome, reason: result.reason };
  return { apiVersion: ADMISSION_API_VERSION, kind: ADMISSION_KIND, response };
}
