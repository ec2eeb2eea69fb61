// zod, loaded on first use instead of at import: the bridge validates JSON-valued options (--warmup) only when one
// is given, and zod costs about 20 MB of every bridge's resident memory when it is loaded up front. Node 24 loads
// it synchronously with require(); schemas are built once, when first needed.

import { createRequire } from 'node:module';

import type * as Zod from 'zod';

export type ZodModule = typeof Zod;

const load = createRequire(import.meta.url);
let zod: ZodModule | undefined;

const zodModule = (): ZodModule => (zod ??= load('zod') as ZodModule);

/** A schema built from zod the first time it is asked for. */
export function lazySchema<T>(build: (z: ZodModule['z']) => Zod.ZodType<T>): () => Zod.ZodType<T> {
  let schema: Zod.ZodType<T> | undefined;
  return () => (schema ??= build(zodModule().z));
}
