// The repo's vitest config runs workers with `--conditions source`, so that workspace packages load from their
// TypeScript sources. Some npm dependencies publish a "source" export condition too (eventsource and
// eventsource-parser, used by the MCP SDK clients), pointing at .ts files that Node refuses to strip under
// node_modules. This hook drops the condition for imports made from inside node_modules, so dependencies load
// their built JavaScript while workspace packages keep loading from source. Import it before any MCP SDK module.

import { registerHooks } from 'node:module';

const installed = Symbol.for('mcp-sidecar.test.no-source-condition-in-deps');
const registry = globalThis as { [installed]?: boolean };

if (!registry[installed]) {
  registry[installed] = true;
  registerHooks({
    resolve(specifier, context, nextResolve) {
      const fromDependency = context.parentURL?.includes('/node_modules/') ?? false;
      if (!fromDependency || !context.conditions.includes('source')) return nextResolve(specifier, context);
      return nextResolve(specifier, { ...context, conditions: context.conditions.filter((c) => c !== 'source') });
    },
  });
}
