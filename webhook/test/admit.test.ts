// admit(): skips, warnings, identity for logs, dry-run, and internal errors under both failure modes.

import { describe, expect, it } from 'vitest';

import { admit, type AdmissionRequest, PIPELINE } from '../src/core/admit.ts';
import { injectorConfig } from '../src/core/config.ts';
import { REASON_CODES, REASONS, renderReasonsMarkdown } from '../src/core/reasons.ts';
import { applyPatch } from './helpers/admission.ts';

type Json = Record<string, unknown>;

const server = { name: 'server', image: 'ghcr.io/example/mcp:1', command: ['/srv'] };

function pod(annotations: Record<string, string> | undefined, spec: Json = {}, metadata: Json = {}): Json {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { ...metadata, ...(annotations ? { annotations } : {}) },
    spec: { containers: [server], ...spec },
  };
}

const request = (object: unknown, extra: Partial<AdmissionRequest> = {}): AdmissionRequest => ({
  uid: 'uid-1',
  kind: { group: '', version: 'v1', kind: 'Pod' },
  operation: 'CREATE',
  namespace: 'agents',
  object,
  ...extra,
});

const optIn = { 'mcp.io/inject': 'true' };

describe('skips', () => {
  it.each([
    ['no annotations at all', pod(undefined), 'annotation_absent'],
    ['annotations without mcp.io/inject', pod({ team: 'a' }), 'annotation_absent'],
    ['mcp.io/inject: "false"', pod({ 'mcp.io/inject': 'false' }), 'injection_disabled'],
    ['no opt-in, even with a malformed spec', { metadata: {}, spec: { containers: 'nope' } }, 'annotation_absent'],
  ])('%s → %s, allowed without a patch', (_name, object, reason) => {
    expect(admit(request(object), injectorConfig())).toMatchObject({
      allowed: true,
      outcome: 'skipped',
      reason,
      patch: [],
    });
  });

  it('lets through requests that are not Pod CREATEs', () => {
    const config = injectorConfig();
    const deployment = request(pod(optIn), { kind: { group: 'apps', version: 'v1', kind: 'Deployment' } });
    expect(admit(deployment, config)).toMatchObject({ allowed: true, reason: 'not_a_pod', patch: [] });
    expect(admit(request(pod(optIn), { subResource: 'ephemeralcontainers' }), config).reason).toBe('not_a_pod');
    expect(admit(request(pod(optIn), { operation: 'UPDATE' }), config)).toMatchObject({
      allowed: true,
      reason: 'not_create',
    });
  });

  it('reports already_injected, with an empty patch, for its own output', () => {
    const first = admit(request(pod(optIn)), injectorConfig());
    expect(first).toMatchObject({ allowed: true, outcome: 'injected', reason: 'injected' });
    const injected = applyPatch(pod(optIn), first.patch);
    expect(admit(request(injected), injectorConfig())).toMatchObject({
      reason: 'already_injected',
      outcome: 'skipped',
      patch: [],
    });
  });

  it('re-renders missing pieces when mcp.io/status is present but the bridge was removed', () => {
    const first = admit(request(pod(optIn)), injectorConfig());
    const injected = applyPatch(pod(optIn), first.patch) as { spec: { initContainers: Json[] } };
    injected.spec.initContainers = injected.spec.initContainers.filter((c) => c.name !== 'mcp-sidecar');
    const again = admit(request(injected), injectorConfig());
    expect(again.reason).toBe('injected');
    expect(applyPatch(injected, again.patch)).toEqual(applyPatch(pod(optIn), first.patch));
  });
});

describe('warnings', () => {
  it('warns when the server user is unknown, because the socket hand-over needs a root shim', () => {
    const result = admit(request(pod(optIn)), injectorConfig());
    expect(result.warnings).toEqual([
      'container "server" declares no runAsUser (nor does the pod): if its image runs as a non-root user, the shim ' +
        'cannot hand its socket to mcp-sidecar (uid 65532); set securityContext.runAsUser on "server"',
    ]);
  });

  it('does not warn when the user is declared, and says when mcp.io/command is ignored', () => {
    const object = pod({ ...optIn, 'mcp.io/command': '["other"]' }, { securityContext: { runAsUser: 1000 } });
    expect(admit(request(object), injectorConfig()).warnings).toEqual([
      'mcp.io/command is ignored: container "server" declares its own command',
    ]);
  });
});

describe('identity and dry-run', () => {
  it('takes the namespace from the request when the pod has none, and names the workload by owner', () => {
    const owner = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'tools-7d9c', uid: 'x', controller: true };
    const object = pod(optIn, {}, { generateName: 'tools-7d9c-', ownerReferences: [owner] });
    expect(admit(request(object), injectorConfig())).toMatchObject({
      namespace: 'agents',
      workload: 'ReplicaSet/tools-7d9c',
    });
    expect(admit(request(pod(optIn, {}, { generateName: 'solo-' })), injectorConfig()).workload).toBe('solo-*');
  });

  it('logs malformed metadata without failing the review', () => {
    const object = { metadata: { ownerReferences: 'not a list', namespace: 7 }, spec: {} };
    expect(admit(request(object), injectorConfig())).toMatchObject({
      reason: 'annotation_absent',
      namespace: 'agents',
      workload: '',
    });
  });

  it('answers dry-run requests exactly like real ones', () => {
    const config = injectorConfig();
    const real = admit(request(pod(optIn)), config);
    expect(admit(request(pod(optIn), { dryRun: true }), config)).toEqual(real);
  });
});

describe('internal errors', () => {
  const broken = {
    ...PIPELINE,
    mutate: () => {
      throw new Error('boom in mutate');
    },
  };

  it('fail open: allowed, no patch, a warning, outcome error', () => {
    const result = admit(request(pod(optIn)), injectorConfig({ failureMode: 'open' }), broken);
    expect(result).toMatchObject({ allowed: true, outcome: 'error', reason: 'internal_error', patch: [] });
    expect(result.warnings).toEqual([
      'mcp-injector internal error; the pod was admitted without the MCP sidecar (--failure-mode open): boom in mutate',
    ]);
    expect((result.error as Error).message).toBe('boom in mutate');
  });

  it('fail closed: denied with a message naming the mode', () => {
    const result = admit(request(pod(optIn)), injectorConfig({ failureMode: 'closed' }), broken);
    expect(result).toMatchObject({ allowed: false, outcome: 'error', reason: 'internal_error', patch: [] });
    expect(result.message).toBe(
      'mcp-injector internal error: boom in mutate. The pod was refused because the injector runs with ' +
        '--failure-mode closed; retry, and report it to the cluster operator if it persists',
    );
  });

  it('does not touch pods that never reached the failing step', () => {
    const result = admit(request(pod({ 'mcp.io/inject': 'false' })), injectorConfig(), broken);
    expect(result.reason).toBe('injection_disabled');
  });
});

describe('reason codes', () => {
  it('are snake_case, each with a sentence, and listed in the README table', () => {
    for (const code of REASON_CODES) {
      expect(code).toMatch(/^[a-z]+(_[a-z]+)*$/);
      expect(REASONS[code].sentence).toMatch(/\.$/);
      expect(renderReasonsMarkdown()).toContain(`| \`${code}\` |`);
    }
  });
});
