#!/usr/bin/env node
// In a source checkout, runs the TypeScript sources through Node's type stripping, resolving the workspace
// packages to their sources (the "mcp-sidecar-source" export condition) with a resolve hook, so it can never
// run a stale build. Installed packages and images ship only dist/, which is used when src/ is absent.
// Nothing is imported before the version check: on an older Node a named import that does not exist there (such as
// registerHooks) fails while the module is linked, before any line of it runs.
const [major] = process.versions.node.split('.').map(Number);
if (major < 24) {
  process.stderr.write(
    `mcp-injector: needs Node ≥ 24, found v${process.versions.node}; run it through npx or npm start, or install Node 24\n`,
  );
  process.exit(2);
}
const { existsSync } = await import('node:fs');
const { registerHooks } = await import('node:module');

const source = new URL('../src/main.ts', import.meta.url);
if (existsSync(source)) {
  registerHooks({
    resolve: (specifier, context, nextResolve) =>
      nextResolve(specifier, { ...context, conditions: [...context.conditions, 'mcp-sidecar-source'] }),
  });
  await import(source.href);
} else {
  await import(new URL('../dist/main.js', import.meta.url).href);
}
