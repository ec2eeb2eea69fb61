// Properties over generated pods (fast-check):
// - admit() never throws and always answers with a known reason; refusals always say how to fix them;
// - the patch, applied by an independent JSON Patch library to the raw object, equals mutate();
// - admitting the patched pod again gives an empty patch (the fixed point reinvocationPolicy: IfNeeded relies on);
// - nothing outside the injector's own fields changes, and mesh proxies, their init steps and agents not at all;
// - every injected pod passes the Kubernetes schema and the injector invariants;
// - mutate() never writes to its input (it shares unchanged subtrees with it, copy-on-write).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { ANNOTATIONS, INJECTION } from '@mcp-sidecar/contract';

import { admit } from '../src/core/admit.ts';
import { unwrapCommand } from '../src/core/command.ts';
import { injectorConfig } from '../src/core/config.ts';
import { DEFAULT_CONTAINER_ANNOTATION, infrastructureOf } from '../src/core/infrastructure.ts';
import { mutate } from '../src/core/mutate.ts';
import { decide } from '../src/core/policy.ts';
import { REASONS } from '../src/core/reasons.ts';
import { mcpUrl } from '../src/core/render.ts';
import { readStatus } from '../src/core/status.ts';
import { applyPatch } from './helpers/admission.ts';
import { podProblems } from './helpers/pod-checks.ts';
import { podArbitrary } from './helpers/pod-arbitrary.ts';

type Json = Record<string, unknown>;
type Container = Json & { name: string; env?: Json[]; volumeMounts?: Json[]; command?: string[] };

const RUNS = 400;
const request = (object: unknown) => ({
  uid: 'u',
  kind: { group: '', kind: 'Pod' },
  operation: 'CREATE',
  namespace: 'ns',
  object,
});

const OURS = new Set<string>([INJECTION.sidecarContainer, INJECTION.shimInstallContainer]);

/** Freezes every object and array in `value`, so any write to it throws (ES modules run in strict mode). */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/** The mutated pod with every change the injector owns taken back out; must equal the original. */
function withoutOwnedChanges(mutated: Json, original: Json): Json {
  const out = structuredClone(mutated) as { metadata: Json; spec: Json };
  const originalMeta = (original.metadata ?? {}) as { annotations?: Record<string, string> };
  const originalSpec = original.spec as Json & { containers: Container[] };
  const annotations = out.metadata.annotations as Record<string, string>;
  const status = readStatus(annotations);
  delete annotations[ANNOTATIONS.status];
  if (originalMeta.annotations?.[DEFAULT_CONTAINER_ANNOTATION] === undefined)
    delete annotations[DEFAULT_CONTAINER_ANNOTATION];
  const spec = out.spec as Json & { containers: Container[]; initContainers?: Container[]; volumes?: Json[] };
  spec.volumes = spec.volumes?.filter((v) => !(status?.volumes ?? []).includes(String(v.name)));
  spec.initContainers = spec.initContainers?.filter((c) => !OURS.has(c.name));
  spec.containers = spec.containers.filter((c) => !OURS.has(c.name));
  for (const key of ['volumes', 'initContainers'] as const)
    if (spec[key]?.length === 0 && !originalSpec[key]) delete spec[key];
  for (const container of spec.containers) {
    const before = originalSpec.containers.find((c) => c.name === container.name) as Container;
    if (container.name === status?.serverContainer) {
      container.command = before.command;
      if (before.command === undefined) delete container.command;
      container.volumeMounts = container.volumeMounts?.filter((m) => m.name !== INJECTION.volume);
      if (!before.volumeMounts) delete container.volumeMounts;
    } else if (
      infrastructureOf(container.name) === undefined &&
      !before.env?.some((e) => e.name === INJECTION.urlEnv)
    ) {
      container.env = container.env?.filter((e) => e.name !== INJECTION.urlEnv);
      if (!before.env) delete container.env;
    }
  }
  return out;
}

describe('properties of admission over generated pods', () => {
  it('answers every pod, and every refusal names a fix', () => {
    fc.assert(
      fc.property(podArbitrary, fc.constantFrom('native', 'classic'), (pod, mode) => {
        const result = admit(request(pod), injectorConfig({ sidecarMode: mode }));
        expect(REASONS[result.reason].outcome).toBe(result.outcome);
        expect(result.outcome).not.toBe('error');
        if (!result.allowed) expect(result.message).toMatch(/Fix: /);
      }),
      { numRuns: RUNS },
    );
  });

  it('patch equals mutate(), is a fixed point, changes only owned fields, and yields valid pods', () => {
    let injected = 0;
    fc.assert(
      fc.property(podArbitrary, fc.constantFrom('native', 'classic'), (pod, mode) => {
        const config = injectorConfig({ sidecarMode: mode });
        const decision = decide(pod, {}, config);
        if (decision.kind !== 'inject') return;
        injected += 1;
        expect(podProblems(pod)).toEqual([]); // the generator only makes valid pods
        const result = admit(request(pod), config);
        const patched = applyPatch(pod, result.patch);
        const frozen = deepFreeze(structuredClone(pod));
        expect(patched).toEqual(mutate(frozen as never, decision.plan));
        expect(frozen).toEqual(pod);
        expect(admit(request(patched), config).patch).toEqual([]);
        expect(withoutOwnedChanges(patched, pod)).toEqual(pod);
        expect(podProblems(patched)).toEqual([]);
        checkServerAndEnv(patched, pod, decision.plan.serverContainer, decision.plan.settings.port);
        checkInfrastructureUntouched(patched, pod);
      }),
      { numRuns: RUNS },
    );
    // The property must not hold vacuously: a good share of generated pods really is injected.
    expect(injected).toBeGreaterThan(RUNS * 0.2);
  });
});

/** The server runs its original command through the shim; other app containers can find the bridge. */
function checkServerAndEnv(patched: Json, original: Json, serverName: string, port: number): void {
  const find = (pod: Json) => ((pod.spec as Json).containers as Container[]).find((c) => c.name === serverName);
  const annotations = (original.metadata as Json).annotations as Record<string, string>;
  const annotated = annotations[ANNOTATIONS.command];
  const fromAnnotation = annotated ? (JSON.parse(annotated) as string[]) : undefined;
  const before = find(original)?.command;
  expect(unwrapCommand(find(patched)?.command)).toEqual(before && before.length > 0 ? before : fromAnnotation);
  for (const container of (patched.spec as Json).containers as Container[]) {
    if (container.name === serverName || OURS.has(container.name)) continue;
    const urls = (container.env ?? []).filter((e) => e.name === INJECTION.urlEnv);
    const had = (
      ((original.spec as Json).containers as Container[]).find((c) => c.name === container.name)?.env ?? []
    ).find((e) => e.name === INJECTION.urlEnv);
    if (infrastructureOf(container.name) !== undefined) {
      expect(urls.length, `${container.name} is infrastructure`).toBe(had ? 1 : 0);
      continue;
    }
    expect(urls).toHaveLength(1);
    const tls = annotations[ANNOTATIONS.tlsSecret] !== undefined;
    expect(urls[0]?.value).toBe(had ? had.value : mcpUrl(port, tls));
  }
}

/** Istio's, Linkerd's, Vault's and Dapr's containers, wherever they are, come out deep-equal to how they went in. */
function checkInfrastructureUntouched(patched: Json, original: Json): void {
  const all = (pod: Json) => {
    const spec = pod.spec as { containers: Container[]; initContainers?: Container[] };
    return [...(spec.initContainers ?? []), ...spec.containers];
  };
  for (const container of all(original).filter((c) => infrastructureOf(c.name) !== undefined)) {
    expect(all(patched).find((c) => c.name === container.name)).toEqual(container);
  }
}
