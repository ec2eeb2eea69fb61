// The layering rules as data, checked against the real import graph of every source file. ESLint enforces the same
// rules file by file (eslint.config.mjs); this re-derives them from the sources, following imports transitively, so
// the lint rules cannot be weakened, scoped away or disabled unnoticed. Type-only imports are erased at run time and
// may cross layers (a layer may name another's types); value imports may not.

import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SOURCE_DIRS = [
  'packages/cli/src',
  'packages/contract/src',
  'packages/edge/src',
  'packages/protocol/src',
  'sidecar/src',
  'webhook/src',
];
const PACKAGES: Record<string, string> = {
  '@mcp-sidecar/cli': 'packages/cli/src/index.ts',
  '@mcp-sidecar/contract': 'packages/contract/src/index.ts',
  '@mcp-sidecar/edge': 'packages/edge/src/index.ts',
  '@mcp-sidecar/protocol': 'packages/protocol/src/index.ts',
};

/** Pure modules: no I/O, no logging, no metrics, and they value-import only other pure modules. */
const PURE = [
  /^sidecar\/src\/router\//,
  /^sidecar\/src\/era\//,
  /^sidecar\/src\/identity\/(xfcc|certificate|identity|cidr)\.ts$/,
  /^sidecar\/src\/policy\/(policy|glob|document|access)\.ts$/,
  /^sidecar\/src\/tracing\/(attributes|duration-histogram|enabled|otlp-encoding|span-data|span-record)\.ts$/,
  /^sidecar\/src\/(context|error-codes|errors|errors-modern|version)\.ts$/,
  /^webhook\/src\/version\.ts$/,
  /^webhook\/src\/core\//,
  /^packages\/(cli|contract|protocol)\/src\//,
];
const IMPURE_EXTERNALS = /^(node:)?(http|https|net|child_process|fs|fs\/.*)$|^(pino|prom-client)$/;

/** Value imports that must never exist, as [importer, imported, why]. */
const FORBIDDEN: readonly [RegExp, RegExp, string][] = [
  [/^sidecar\//, /^webhook\//, 'programs never import each other'],
  [/^webhook\//, /^sidecar\//, 'programs never import each other'],
  [/^packages\//, /^(sidecar|webhook)\//, 'shared packages serve both programs and import neither'],
  [/^sidecar\/src\/http\//, /^sidecar\/src\/(upstream|router)\//, 'the HTTP layer talks to sessions only'],
  [
    /^sidecar\/src\/router\//,
    /^sidecar\/src\/(http|session|upstream)\//,
    'the router is pure and knows no layer above it',
  ],
  [/^sidecar\/src\/session\//, /^sidecar\/src\/http\//, 'sessions do not know the HTTP layer'],
  [
    /^sidecar\/src\/upstream\//,
    /^sidecar\/src\/(http|session)\//,
    'upstreams reach sessions only through router effects',
  ],
];

interface Edge {
  readonly to: string;
  readonly typeOnly: boolean;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts'))
    .map((entry) => relative(ROOT, join(entry.parentPath, entry.name)));
}

function typeOnly(node: ts.ImportDeclaration | ts.ExportDeclaration): boolean {
  if (ts.isExportDeclaration(node)) {
    if (node.isTypeOnly) return true;
    const named = node.exportClause;
    return !!named && ts.isNamedExports(named) && named.elements.every((element) => element.isTypeOnly);
  }
  const clause = node.importClause;
  if (!clause) return false; // a side-effect import
  if (clause.isTypeOnly) return true;
  const named = clause.namedBindings;
  return !clause.name && !!named && ts.isNamedImports(named) && named.elements.every((element) => element.isTypeOnly);
}

function edgesOf(file: string): Edge[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const edges: Edge[] = [];
  const add = (specifier: string, isType: boolean) =>
    edges.push({ to: resolveSpecifier(file, specifier), typeOnly: isType });
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier) {
      add((node.moduleSpecifier as ts.StringLiteral).text, typeOnly(node));
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [argument] = node.arguments;
      if (argument && ts.isStringLiteral(argument)) add(argument.text, false);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return edges;
}

/** A relative import as a repo path, a workspace package as its entry file, anything else as written. */
function resolveSpecifier(from: string, specifier: string): string {
  if (specifier.startsWith('.')) return relative(ROOT, resolve(ROOT, dirname(from), specifier));
  return PACKAGES[specifier] ?? specifier;
}

const FILES = SOURCE_DIRS.flatMap(sourceFiles);
const GRAPH = new Map(FILES.map((file) => [file, edgesOf(file)]));
const isPure = (file: string) => PURE.some((pattern) => pattern.test(file));

describe('the import graph', () => {
  it('was read: every source file and its imports', () => {
    expect(FILES.length).toBeGreaterThan(100);
    expect(
      GRAPH.get('sidecar/src/bridge.ts')?.some((edge) => edge.to === 'sidecar/src/session/session-manager.ts'),
    ).toBe(true);
  });

  it('resolves every relative import to a source file', () => {
    const missing = [...GRAPH].flatMap(([file, edges]) =>
      edges.filter((edge) => edge.to.includes('/src/') && !GRAPH.has(edge.to)).map((edge) => `${file} → ${edge.to}`),
    );
    expect(missing).toEqual([]);
  });

  it.each(FORBIDDEN.map(([from, to, why]) => [why, from, to] as const))('%s (%s ↛ %s)', (_why, from, to) => {
    const crossings = [...GRAPH].flatMap(([file, edges]) =>
      from.test(file)
        ? edges.filter((edge) => !edge.typeOnly && to.test(edge.to)).map((edge) => `${file} → ${edge.to}`)
        : [],
    );
    expect(crossings).toEqual([]);
  });

  it('pure modules do no I/O, log nor count, and value-import only pure modules (transitively)', () => {
    const problems: string[] = [];
    for (const [file, edges] of GRAPH) {
      if (!isPure(file)) continue;
      for (const edge of edges) {
        if (edge.typeOnly) continue;
        if (IMPURE_EXTERNALS.test(edge.to)) problems.push(`${file} imports ${edge.to}`);
        else if (GRAPH.has(edge.to) && !isPure(edge.to)) problems.push(`${file} imports the impure ${edge.to}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('catches a violation when one is there (the checks are not vacuous)', () => {
    const edges = [
      { to: 'node:fs', typeOnly: false },
      { to: 'sidecar/src/upstream/upstream.ts', typeOnly: false },
    ];
    expect(edges.filter((edge) => IMPURE_EXTERNALS.test(edge.to))).toHaveLength(1);
    const httpRule = FORBIDDEN.find(([, , why]) => why === 'the HTTP layer talks to sessions only')!;
    expect(httpRule[0].test('sidecar/src/http/server.ts') && httpRule[1].test(edges[1]!.to)).toBe(true);
  });
});
