#!/usr/bin/env node
// Runs the built bridge (dist/) when present. In a source checkout without a build, it runs the TypeScript
// sources through Node's type stripping, resolving the workspace packages to their sources ("source" export
// condition) with a resolve hook.
import { existsSync } from 'node:fs';
import { registerHooks } from 'node:module';

const built = new URL('../dist/main.js', import.meta.url);
if (existsSync(built)) {
  await import(built.href);
} else {
  registerHooks({
    resolve: (specifier, context, nextResolve) =>
      nextResolve(specifier, { ...context, conditions: [...context.conditions, 'source'] }),
  });
  await import(new URL('../src/main.ts', import.meta.url).href);
}
