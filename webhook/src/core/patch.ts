// The JSON Patch returned to the API server: an RFC 6902 diff of the pod as received against the mutated pod, so
// the patch touches only what mutate() changed and escapes keys such as mcp.io/status correctly (`~1`).

import { createPatch, type Operation } from 'rfc6902';

export type PatchOperation = Operation;

export function diffPatch(before: unknown, after: unknown): PatchOperation[] {
  return createPatch(before, after);
}
