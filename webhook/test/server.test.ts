// The real HTTPS webhook, started in-process on 127.0.0.1 with a self-signed CA, driven with real AdmissionReview JSON
// over HTTPS by a client that trusts only that CA.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { ServeOptions } from '../src/cli/parse.ts';
import { PIPELINE } from '../src/core/admit.ts';
import { injectorConfig, type FailureMode } from '../src/core/config.ts';
import { startInjector, type RunningInjector } from '../src/serve.ts';
import { createLogger } from '../src/server/logger.ts';
import { admissionReview, applyPatch, decodePatch } from './helpers/admission.ts';
import { logCapture, send } from './helpers/https.ts';
import { podProblems } from './helpers/pod-checks.ts';

type Json = Record<string, unknown>;

const options = (failureMode: FailureMode = 'closed'): ServeOptions => ({
  host: '127.0.0.1',
  port: 0,
  adminPort: 0,
  tls: { kind: 'self-signed' },
  tlsPollMs: 1_000,
  logLevel: 'info',
  config: injectorConfig({ failureMode }),
});

const pod = (annotations: Record<string, string>, spec: Json = {}): Json => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {
    generateName: 'tools-6b8f-',
    annotations,
    ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'tools-6b8f', uid: 'r', controller: true }],
  },
  spec: {
    containers: [
      {
        name: 'server',
        image: 'ghcr.io/example/mcp:1',
        command: ['/srv', '--stdio'],
        securityContext: { runAsUser: 1000 },
      },
    ],
    ...spec,
  },
});

const optIn = { 'mcp.io/inject': 'true' };
const response = (body: string) => (JSON.parse(body) as { response: Json }).response;

let injector: RunningInjector;
let ca: string;
const capture = logCapture();
const MAX_BODY = 64 * 1024;

beforeAll(async () => {
  injector = await startInjector(options(), { logger: createLogger('info', capture), maxBodyBytes: MAX_BODY });
  ca = injector.ca ?? '';
});
afterAll(() => injector.close());

const post = (body: string, contentType?: string) =>
  send(injector.webhookUrl, body, { ca, ...(contentType ? { contentType } : {}) });

describe('POST /mutate over HTTPS', () => {
  it('injects: uid echo, JSONPatch in base64 that applies to the pod and yields a valid pod', async () => {
    const object = pod(optIn);
    const reply = await post(JSON.stringify(admissionReview(object, { uid: 'uid-42', namespace: 'agents' })));
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe('application/json');
    const body = JSON.parse(reply.body) as Json;
    expect(body).toMatchObject({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' });
    const answer = response(reply.body);
    expect(answer).toMatchObject({ uid: 'uid-42', allowed: true, patchType: 'JSONPatch' });
    const patched = applyPatch(object, decodePatch(answer.patch as string));
    expect(podProblems(patched)).toEqual([]);
    const again = response((await post(JSON.stringify(admissionReview(patched)))).body);
    expect(again).toMatchObject({ allowed: true, auditAnnotations: { reason: 'already_injected' } });
    expect(again).not.toHaveProperty('patch');
  });

  it('answers dry-run requests exactly like real ones', async () => {
    const real = await post(JSON.stringify(admissionReview(pod(optIn), { uid: 'same' })));
    const dry = await post(JSON.stringify(admissionReview(pod(optIn), { uid: 'same', dryRun: true })));
    expect(dry.body).toBe(real.body);
  });

  it('denies with the message and reason code in status', async () => {
    const object = pod({ ...optIn, 'mcp.io/port': 'eighty' });
    const answer = response((await post(JSON.stringify(admissionReview(object, { uid: 'd-1' })))).body);
    expect(answer).toMatchObject({
      uid: 'd-1',
      allowed: false,
      status: {
        code: 400,
        reason: 'invalid_annotation',
        message:
          'annotation mcp.io/port="eighty" is invalid: expected an integer from 0 to 65535. Fix: set mcp.io/port: "8080"',
      },
    });
  });

  it('allows pods that do not opt in, without a patch', async () => {
    const answer = response((await post(JSON.stringify(admissionReview(pod({}))))).body);
    expect(answer).toMatchObject({ allowed: true, auditAnnotations: { reason: 'annotation_absent' } });
    expect(answer).not.toHaveProperty('patch');
  });

  it.each([
    [
      'bad JSON',
      '{"apiVersion": "admission.k8s.io/v1", ',
      undefined,
      400,
      /^bad AdmissionReview: the body is not valid JSON/,
    ],
    [
      'a v1beta1 review',
      JSON.stringify({ ...admissionReview(pod(optIn)), apiVersion: 'admission.k8s.io/v1beta1' }),
      undefined,
      400,
      /admissionReviewVersions/,
    ],
    [
      'no uid',
      JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { object: {} } }),
      undefined,
      400,
      /request.uid is missing/,
    ],
    ['a YAML body', 'apiVersion: admission.k8s.io/v1', 'application/yaml', 415, /want application\/json/],
    [
      'a body over the limit',
      JSON.stringify({ pad: 'x'.repeat(MAX_BODY) }),
      undefined,
      413,
      /request body over 65536 bytes/,
    ],
  ])('refuses %s with HTTP %s and a clear body', async (_name, body, contentType, status, message) => {
    const reply = await post(body, contentType);
    expect(reply.status).toBe(status);
    expect(reply.body).toMatch(message);
  });

  it('refuses other methods and paths', async () => {
    expect((await send(injector.webhookUrl, undefined, { ca })).status).toBe(405);
    expect((await send(injector.webhookUrl.replace('/mutate', '/inject'), '{}', { ca })).status).toBe(404);
    expect(
      (await send(`${injector.webhookUrl}?timeout=10s`, JSON.stringify(admissionReview(pod({}))), { ca })).status,
    ).toBe(200);
  });

  it('writes one log line per review with uid, namespace, workload, decision and reason', async () => {
    await post(JSON.stringify(admissionReview(pod(optIn), { uid: 'log-me', namespace: 'agents' })));
    const lines = capture.lines.filter((line) => line.uid === 'log-me');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      msg: 'admission review',
      namespace: 'agents',
      workload: 'ReplicaSet/tools-6b8f',
      decision: 'injected',
      reason: 'injected',
      allowed: true,
    });
  });
});

describe('admin endpoints', () => {
  it('serves /healthz, /readyz and /metrics over plain HTTP', async () => {
    expect(await send(`${injector.adminUrl}/healthz`, undefined)).toMatchObject({ status: 200, body: 'ok\n' });
    expect(await send(`${injector.adminUrl}/readyz`, undefined)).toMatchObject({ status: 200 });
    const metrics = (await send(`${injector.adminUrl}/metrics`, undefined)).body;
    expect(metrics).toMatch(/^mcp_injector_reviews_total\{outcome="injected",reason="injected"\} [1-9]/m);
    expect(metrics).toMatch(/^mcp_injector_reviews_total\{outcome="denied",reason="missing_command"\} 0$/m);
    expect(metrics).toMatch(/^mcp_injector_bad_requests_total\{status="413"\} 1$/m);
    expect(metrics).toMatch(/^mcp_injector_review_duration_seconds_bucket\{le="0.005",outcome="injected"\} [1-9]/m);
    expect(metrics).toMatch(/^mcp_injector_tls_certificate_expiry_timestamp_seconds \d+/m);
    expect(metrics).toMatch(/^mcp_injector_process_cpu_seconds_total /m);
    expect((await send(`${injector.adminUrl}/nope`, undefined)).status).toBe(404);
  });

  it('stops being ready while draining on shutdown', async () => {
    const other = await startInjector(options(), { logger: createLogger('silent') });
    const closing = other.close(300);
    expect((await send(`${other.adminUrl}/readyz`, undefined)).status).toBe(503);
    await closing;
    await expect(send(`${other.adminUrl}/healthz`, undefined)).rejects.toThrow();
  });
});

describe('internal errors through the test seam', () => {
  const broken = {
    ...PIPELINE,
    diff: () => {
      throw new Error('injected failure');
    },
  };

  it.each([
    ['open', true],
    ['closed', false],
  ] as const)('--failure-mode %s → allowed: %s, logged and counted', async (mode, allowed) => {
    const lines = logCapture();
    const failing = await startInjector(options(mode), { logger: createLogger('info', lines), pipeline: broken });
    try {
      const reply = await send(failing.webhookUrl, JSON.stringify(admissionReview(pod(optIn), { uid: 'e-1' })), {
        ca: failing.ca,
      });
      const answer = response(reply.body);
      expect(answer).toMatchObject({ uid: 'e-1', allowed, auditAnnotations: { reason: 'internal_error' } });
      expect(answer).not.toHaveProperty('patch');
      if (allowed) expect(answer.warnings).toEqual([expect.stringContaining('injected failure')]);
      else
        expect(answer.status).toMatchObject({
          code: 500,
          message: expect.stringContaining('--failure-mode closed') as string,
        });
      const metrics = (await send(`${failing.adminUrl}/metrics`, undefined)).body;
      expect(metrics).toContain(`mcp_injector_internal_errors_total{failure_mode="${mode}"} 1`);
      expect(lines.lines.find((line) => line.uid === 'e-1')).toMatchObject({
        level: 50,
        err: { message: 'injected failure' },
      });
    } finally {
      await failing.close();
    }
  });
});
