// The JSON Patch returned to the API server: an RFC 6902 diff of the pod as received against the mutated pod, so
// the patch touches only what mutate() changed and escapes keys such as mcp.io/status correctly (`~1`).

import { createPatch, type Operation } from 'rfc6902';

export type PatchOperation = Operation;

/**
 * mutate() is copy-on-write: every subtree it did not change is the very same object in `after`. Telling the
 * library "no operations" for identical references (its documented partial-diff hook) skips walking them, which
 * is most of the pod; everything else falls back to the library's own diff, so the patch is the same.
 */
const sameReference = (before: unknown, after: unknown): Operation[] | void => (before === after ? [] : undefined);

export function diffPatch(before: unknown, after: unknown): PatchOperation[] {
  return createPatch(before, after, sameReference);
}
