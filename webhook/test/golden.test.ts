// Golden tests: every `testdata/inject/<case>.yaml` is injected and compared (as parsed YAML) with
// `<case>.injected.yaml`. Cases are discovered from the folder; explicit cases below add injector configurations.
// UPDATE_GOLDEN=1 (npm run golden:update) rewrites the goldens; a golden that no case produces fails as stale.
// Each case also runs through the webhook path: AdmissionReview → patch → applied with another JSON Patch library →
// must equal the golden, and a second admission of the result must return an empty patch.

import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';

import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';

import { admit } from '../src/core/admit.ts';
import { injectorConfig, type InjectorConfig } from '../src/core/config.ts';
import type { ReasonCode } from '../src/core/reasons.ts';
import { decodeReview } from '../src/core/review.ts';
import { injectYamlStream } from '../src/core/workloads.ts';
import { admissionReview, admittedPods, applyPatch } from './helpers/admission.ts';
import { podProblems } from './helpers/pod-checks.ts';

const DIR = new URL('./testdata/inject/', import.meta.url);
const UPDATE = process.env.UPDATE_GOLDEN === '1';

interface GoldenCase {
  readonly name: string;
  readonly input: string;
  /** Golden file, or the reason code every pod of the input must be refused with. */
  readonly expect: { readonly golden: string } | { readonly denied: ReasonCode };
  readonly config: InjectorConfig;
}

/** Cases that run an input with a non-default injector configuration. */
const EXPLICIT: readonly GoldenCase[] = [
  {
    name: 'pod-generate-name (--sidecar-mode classic)',
    input: 'pod-generate-name.yaml',
    expect: { golden: 'pod-generate-name.classic.injected.yaml' },
    config: injectorConfig({ sidecarMode: 'classic' }),
  },
  {
    name: 'pod-istio-classic (--sidecar-mode classic: our classic bridge next to a classic istio-proxy)',
    input: 'pod-istio-classic.yaml',
    expect: { golden: 'pod-istio-classic.classic.injected.yaml' },
    config: injectorConfig({ sidecarMode: 'classic' }),
  },
  {
    name: 'pod-istio-native (--sidecar-mode classic)',
    input: 'pod-istio-native.yaml',
    expect: { golden: 'pod-istio-native.classic.injected.yaml' },
    config: injectorConfig({ sidecarMode: 'classic' }),
  },
  {
    name: 'pod-linkerd (--sidecar-mode classic)',
    input: 'pod-linkerd.yaml',
    expect: { golden: 'pod-linkerd.classic.injected.yaml' },
    config: injectorConfig({ sidecarMode: 'classic' }),
  },
  {
    name: 'pod-linkerd-classic (--sidecar-mode classic)',
    input: 'pod-linkerd-classic.yaml',
    expect: { golden: 'pod-linkerd-classic.classic.injected.yaml' },
    config: injectorConfig({ sidecarMode: 'classic' }),
  },
  {
    name: 'deployment (--sidecar-image)',
    input: 'deployment.yaml',
    expect: { golden: 'deployment.custom-image.injected.yaml' },
    config: injectorConfig({ sidecarImage: 'registry.example.com/mirror/mcp-sidecar:0.1.0' }),
  },
  {
    name: 'job (--sidecar-mode classic) is refused',
    input: 'job.yaml',
    expect: { denied: 'job_needs_native_sidecar' },
    config: injectorConfig({ sidecarMode: 'classic' }),
  },
  {
    name: 'cronjob (--sidecar-mode classic) is refused',
    input: 'cronjob.yaml',
    expect: { denied: 'job_needs_native_sidecar' },
    config: injectorConfig({ sidecarMode: 'classic' }),
  },
];

const files = readdirSync(DIR).sort();
const discovered: GoldenCase[] = files
  .filter((file) => file.endsWith('.yaml') && !file.endsWith('.injected.yaml'))
  .map((input) => ({
    name: input.replace(/\.yaml$/, ''),
    input,
    expect: { golden: input.replace(/\.yaml$/, '.injected.yaml') },
    config: injectorConfig(),
  }));
const CASES = [...discovered, ...EXPLICIT];

const read = (file: string): string => readFileSync(new URL(file, DIR), 'utf8');
const parseStream = (text: string): unknown[] =>
  parseAllDocuments(text, { version: '1.1' })
    .map((doc) => doc.toJS() as unknown)
    .filter((doc) => doc !== null);

describe('golden files', () => {
  it('has no stale goldens (every *.injected.yaml belongs to a case)', () => {
    const produced = new Set(CASES.flatMap((c) => ('golden' in c.expect ? [c.expect.golden] : [])));
    const stale = files.filter((file) => file.endsWith('.injected.yaml') && !produced.has(file));
    expect(stale).toEqual([]);
  });

  it('covers at least the agreed cases', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(16);
  });
});

describe.each(CASES)('$name', (testCase) => {
  const input = read(testCase.input);
  const expectation = testCase.expect;

  if ('denied' in expectation) {
    it(`is refused with ${expectation.denied}, offline and through the webhook`, () => {
      const offline = injectYamlStream(input, testCase.config);
      expect(offline.ok).toBe(false);
      expect(offline.reports.map((r) => r.reason)).toEqual(offline.reports.map(() => expectation.denied));
      for (const pod of parseStream(input).flatMap(admittedPods)) {
        const decoded = decodeReview(JSON.stringify(admissionReview(pod)));
        if (!decoded.ok) throw new Error(decoded.message);
        const result = admit(decoded.request, testCase.config);
        expect(result).toMatchObject({ allowed: false, reason: expectation.denied });
      }
    });
    return;
  }

  it('matches its golden file (offline inject)', () => {
    const result = injectYamlStream(input, testCase.config);
    if (!result.ok) throw new Error(`refused: ${result.errors.join('; ')}`);
    const goldenUrl = new URL(expectation.golden, DIR);
    if (UPDATE) writeFileSync(goldenUrl, result.yaml);
    expect(existsSync(goldenUrl), `${expectation.golden} is missing; run npm run golden:update`).toBe(true);
    expect(parseStream(result.yaml)).toEqual(parseStream(read(expectation.golden)));
  });

  it('gives the same pods through the webhook, and an empty patch on re-admission', () => {
    const before = parseStream(input).flatMap(admittedPods);
    const after = parseStream(read(expectation.golden)).flatMap(admittedPods);
    expect(after).toHaveLength(before.length);
    before.forEach((pod, index) => {
      const first = admit(requestFor(pod), testCase.config);
      expect(first.allowed, first.message).toBe(true);
      const patched = applyPatch(pod, first.patch);
      expect(patched).toEqual(after[index]);
      const second = admit(requestFor(patched), testCase.config);
      expect(second.patch).toEqual([]);
      expect(second.allowed).toBe(true);
    });
  });

  it('produces pods that pass the schema and the injector invariants', () => {
    for (const pod of parseStream(read(expectation.golden)).flatMap(admittedPods)) {
      expect(podProblems(pod as Record<string, unknown>)).toEqual([]);
    }
  });
});

function requestFor(pod: unknown) {
  const decoded = decodeReview(JSON.stringify(admissionReview(pod)));
  if (!decoded.ok) throw new Error(decoded.message);
  return decoded.request;
}
