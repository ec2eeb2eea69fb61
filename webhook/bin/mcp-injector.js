#!/usr/bin/env node
// Launcher: the built program when there is one, else the TypeScript sources through Node's type stripping. Workspace
// packages export their sources under the "source" condition, so the fallback adds that condition to resolution.
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
