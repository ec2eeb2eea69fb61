// One admission request in, one decision out: policy → mutate → patch, with internal errors contained and turned
// into the configured failure mode. Pure apart from catching exceptions; logging and metrics happen in the caller.

import type { InjectorConfig } from './config.ts';
import { mutate } from './mutate.ts';
import { diffPatch, type PatchOperation } from './patch.ts';
import { isObject } from './json.ts';
import { type PodObject, workloadOf } from './pod.ts';
import { decide, type PodContext } from './policy.ts';
import { type Outcome, type ReasonCode, REASONS } from './reasons.ts';

export interface GroupVersionKind {
  readonly group?: string;
  readonly version?: string;
  readonly kind?: string;
}

/** The fields of `AdmissionReview.request` the injector uses. */
export interface AdmissionRequest {
  readonly uid: string;
  readonly kind?: GroupVersionKind;
  readonly subResource?: string;
  readonly operation?: string;
  readonly namespace?: string;
  readonly name?: string;
  readonly object: unknown;
  readonly dryRun?: boolean;
}

export interface AdmitResult {
  readonly allowed: boolean;
  readonly outcome: Outcome;
  readonly reason: ReasonCode;
  /** The denial or error message, else the reason's sentence. */
  readonly message: string;
  readonly patch: readonly PatchOperation[];
  readonly warnings: readonly string[];
  /** For the log line: the pod's namespace (from the request when the pod has none yet) and its workload. */
  readonly namespace: string;
  readonly workload: string;
  /** The exception behind an internal_error, for the log. */
  readonly error?: unknown;
}

/** The steps admit() runs. Replaceable so tests can inject an internal error; production uses PIPELINE. */
export interface Pipeline {
  readonly decide: typeof decide;
  readonly mutate: typeof mutate;
  readonly diff: typeof diffPatch;
}

export const PIPELINE: Pipeline = Object.freeze({ decide, mutate, diff: diffPatch });

type Identity = Pick<AdmitResult, 'namespace' | 'workload'>;

function outcome(reason: ReasonCode, identity: Identity, extra: Partial<AdmitResult> = {}): AdmitResult {
  const spec = REASONS[reason];
  const allowed = spec.outcome !== 'denied';
  return {
    allowed,
    outcome: spec.outcome,
    reason,
    message: spec.sentence,
    patch: [],
    warnings: [],
    ...identity,
    ...extra,
  };
}

function identityOf(request: AdmissionRequest): Identity {
  const metadata = isObject(request.object) ? request.object.metadata : undefined;
  const own = isObject(metadata) && typeof metadata.namespace === 'string' ? metadata.namespace : '';
  return { namespace: own || (request.namespace ?? ''), workload: workloadOf(request.object) || (request.name ?? '') };
}

export function admit(request: AdmissionRequest, config: InjectorConfig, pipeline: Pipeline = PIPELINE): AdmitResult {
  let identity: Identity = { namespace: request.namespace ?? '', workload: request.name ?? '' };
  try {
    identity = identityOf(request);
    const kind = request.kind;
    if (kind?.kind !== 'Pod' || (kind.group ?? '') !== '' || request.subResource) return outcome('not_a_pod', identity);
    if (request.operation !== 'CREATE') return outcome('not_create', identity);
    return admitPod(request.object, {}, config, pipeline, identity);
  } catch (error) {
    return internalError(error, config, identity);
  }
}

function admitPod(raw: unknown, context: PodContext, config: InjectorConfig, pipeline: Pipeline, identity: Identity) {
  const decision = pipeline.decide(raw, context, config);
  if (decision.kind === 'skip') return outcome(decision.reason, identity);
  if (decision.kind === 'deny') return outcome(decision.reason, identity, { message: decision.message });
  const mutated = pipeline.mutate(raw as PodObject, decision.plan);
  const patch = pipeline.diff(raw, mutated);
  return outcome(patch.length === 0 ? 'already_injected' : 'injected', identity, {
    patch,
    warnings: decision.warnings,
  });
}

function internalError(error: unknown, config: InjectorConfig, identity: Identity): AdmitResult {
  const detail = error instanceof Error ? error.message : String(error);
  if (config.failureMode === 'open') {
    const warning = `mcp-injector internal error; the pod was admitted without the MCP sidecar (--failure-mode open): ${detail}`;
    return outcome('internal_error', identity, { allowed: true, message: warning, warnings: [warning], error });
  }
  const message =
    `mcp-injector internal error: ${detail}. The pod was refused because the injector runs with --failure-mode ` +
    'closed; retry, and report it to the cluster operator if it persists';
  return outcome('internal_error', identity, { allowed: false, message, error });
}
