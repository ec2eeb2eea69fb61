// AdmissionReview v1 decoding (never throws; every malformed input gets a message) and encoding.

import { describe, expect, it } from 'vitest';

import { type AdmitResult } from '../src/core/admit.ts';
import { decodeReview, encodeReview } from '../src/core/review.ts';

const review = (request: unknown, envelope: Record<string, unknown> = {}) =>
  JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request, ...envelope });

const object = { metadata: {}, spec: { containers: [] } };

describe('decodeReview', () => {
  it.each([
    ['not JSON', '{"apiVersion":', /^bad AdmissionReview: the body is not valid JSON \(/],
    ['a JSON array', '[]', /the body must be a JSON object$/],
    [
      'v1beta1',
      review({ uid: 'u', object }, { apiVersion: 'admission.k8s.io/v1beta1' }),
      /got "admission.k8s.io\/v1beta1" and "AdmissionReview"; set admissionReviewVersions: \["v1"\]/,
    ],
    [
      'another kind',
      review({ uid: 'u', object }, { kind: 'TokenReview' }),
      /expected apiVersion "admission.k8s.io\/v1" and kind "AdmissionReview"/,
    ],
    [
      'no request',
      JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' }),
      /request is missing$/,
    ],
    ['no uid', review({ object }), /request.uid is missing$/],
    ['an empty uid', review({ uid: '', object }), /request.uid is missing$/],
    ['no object', review({ uid: 'u' }), /request.object is missing$/],
    ['a null object', review({ uid: 'u', object: null }), /request.object is missing$/],
  ])('refuses %s', (_name, body, message) => {
    const decoded = decodeReview(body);
    expect(decoded.ok).toBe(false);
    if (!decoded.ok) expect(decoded.message).toMatch(message);
  });

  it('keeps the fields admission needs and ignores the rest', () => {
    const decoded = decodeReview(
      review({
        uid: 'u-1',
        kind: { group: '', version: 'v1', kind: 'Pod' },
        operation: 'CREATE',
        namespace: 'ns',
        object,
        dryRun: true,
        userInfo: {},
      }),
    );
    expect(decoded).toEqual({
      ok: true,
      request: {
        uid: 'u-1',
        kind: { group: '', version: 'v1', kind: 'Pod' },
        subResource: undefined,
        operation: 'CREATE',
        namespace: 'ns',
        name: undefined,
        object,
        dryRun: true,
      },
    });
  });
});

const result = (overrides: Partial<AdmitResult>): AdmitResult => ({
  allowed: true,
  outcome: 'skipped',
  reason: 'annotation_absent',
  message: 'm',
  patch: [],
  warnings: [],
  namespace: 'ns',
  workload: 'w',
  ...overrides,
});

describe('encodeReview', () => {
  it('echoes the uid and encodes a non-empty patch as base64 JSONPatch', () => {
    const patch = [{ op: 'add' as const, path: '/metadata/annotations/mcp.io~1status', value: '{}' }];
    const encoded = encodeReview('u-1', result({ outcome: 'injected', reason: 'injected', patch, warnings: ['w1'] }));
    expect(encoded).toEqual({
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      response: {
        uid: 'u-1',
        allowed: true,
        patchType: 'JSONPatch',
        patch: Buffer.from(JSON.stringify(patch)).toString('base64'),
        warnings: ['w1'],
        auditAnnotations: { decision: 'injected', reason: 'injected' },
      },
    });
  });

  it('leaves patch fields out when nothing changes', () => {
    const response = encodeReview('u', result({})).response as Record<string, unknown>;
    expect(response).not.toHaveProperty('patch');
    expect(response).not.toHaveProperty('patchType');
    expect(response).not.toHaveProperty('warnings');
  });

  it('puts a denial in status with code 400 and the reason code; an internal error gets 500', () => {
    const denied = encodeReview(
      'u',
      result({ allowed: false, outcome: 'denied', reason: 'missing_command', message: 'Fix it' }),
    );
    expect((denied.response as Record<string, unknown>).status).toEqual({
      status: 'Failure',
      code: 400,
      reason: 'missing_command',
      message: 'Fix it',
    });
    const failed = encodeReview(
      'u',
      result({ allowed: false, outcome: 'error', reason: 'internal_error', message: 'boom' }),
    );
    expect(((failed.response as Record<string, unknown>).status as Record<string, unknown>).code).toBe(500);
  });
});
