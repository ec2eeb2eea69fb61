// --policy FILE: read (JSON, or YAML, which is a superset of it) and compiled at start-up, where a bad file is
// fatal and said so, and again whenever it changes; a changed file that does not load is logged and the previous
// policy stays. The yaml parser is imported only when a policy is configured.

import { watchFiles } from '@mcp-sidecar/edge';

import type { Identity } from '../context.ts';
import { CallerAccess } from './access.ts';
import { type CompiledPolicy, compilePolicy } from './policy.ts';

export interface PolicySource {
  /** The policy as it applies to this caller, remembered per identity object until the policy changes. */
  accessFor(identity: Identity): CallerAccess;
  close(): void;
}

export interface PolicyFileOptions {
  readonly file: string;
  readonly pollMs: number;
  readonly onChange: (rules: number) => void;
  readonly onError: (error: unknown) => void;
}

export async function loadPolicyFile(options: PolicyFileOptions): Promise<PolicySource> {
  // Loaded only when there is a policy: the document schema (zod) and the YAML parser cost every bridge ~20 MB.
  const [{ parse }, { readPolicyDocument }] = await Promise.all([import('yaml'), import('./document.ts')]);
  const load = ([text = '']: readonly string[]): CompiledPolicy => {
    let value: unknown;
    try {
      value = parse(text);
    } catch (error) {
      throw new Error(`it is neither JSON nor YAML (${(error as Error).message.split('\n')[0]})`, { cause: error });
    }
    return compilePolicy(readPolicyDocument(value));
  };
  let views = new WeakMap<Identity, CallerAccess>();
  let policy: CompiledPolicy;
  const watcher = watchFiles({
    files: [options.file],
    pollMs: options.pollMs,
    load,
    onChange: (next) => {
      policy = next;
      views = new WeakMap();
      options.onChange(next.rules.length);
    },
    onError: options.onError,
  });
  policy = watcher.initial;
  return {
    accessFor: (identity) => {
      let view = views.get(identity);
      if (!view) views.set(identity, (view = new CallerAccess(policy, identity)));
      return view;
    },
    close: watcher.close,
  };
}
