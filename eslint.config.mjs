// One lint config for the whole repo. Rules that encode a design decision say why next to them.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const sizeBudget = {
  // Small files and functions keep every module readable in one sitting (see ARCHITECTURE.md, "Style").
  'max-lines': ['error', { max: 400, skipBlankLines: true, skipComments: true }],
  'max-lines-per-function': ['error', { max: 40, skipBlankLines: true, skipComments: true, IIFEs: true }],
};

const PROGRAMS_APART = { group: ['**/sidecar/**', '**/webhook/**'], message: 'Programs never import each other.' };

// Pure modules: no I/O, no logging, no metrics. packages/edge is where the shared I/O lives, so it is not one of them.
// test/layering.test.ts re-derives these rules from the import graph, so they cannot be weakened here unnoticed.
const PURE = [
  'sidecar/src/router/**/*.ts',
  'sidecar/src/era/**/*.ts',
  'sidecar/src/identity/{xfcc,certificate,identity,cidr}.ts',
  'sidecar/src/policy/{policy,glob,document,access}.ts',
  'sidecar/src/tracing/{attributes,duration-histogram,enabled,otlp-encoding,span-data,span-record}.ts',
  'sidecar/src/context.ts',
  'sidecar/src/error-codes.ts',
  'sidecar/src/errors.ts',
  'sidecar/src/errors-modern.ts',
  'sidecar/src/version.ts',
  'webhook/src/version.ts',
  'webhook/src/core/**/*.ts',
  'packages/contract/src/**/*.ts',
  'packages/protocol/src/**/*.ts',
  'packages/cli/src/**/*.ts',
];

const IMPURE = [
  {
    group: ['node:http', 'node:https', 'node:net', 'node:child_process', 'node:fs', 'node:fs/*'],
    message: 'Pure modules take no I/O dependencies; do the I/O at the edges.',
  },
  { group: ['http', 'https', 'net', 'child_process', 'fs', 'fs/*'], message: 'Use node: imports (and no I/O here).' },
  { group: ['pino', 'prom-client'], message: 'Pure modules neither log nor count; return effects instead.' },
];

// Which bridge layer may value-import which (types may cross): see ARCHITECTURE.md, "Layers".
const BRIDGE_LAYERS = {
  'sidecar/src/http/**/*.ts': [['**/upstream/**', '**/router/**'], 'The HTTP layer talks to sessions only.'],
  'sidecar/src/session/**/*.ts': [['**/http/**'], 'Sessions do not know the HTTP layer.'],
  'sidecar/src/upstream/**/*.ts': [['**/http/**', '**/session/**'], 'Upstreams reach sessions through router effects.'],
  'sidecar/src/router/**/*.ts': [
    ['**/http/**', '**/session/**', '**/upstream/**'],
    'The router knows no layer above it.',
  ],
};

/**
 * One no-restricted-imports per file: a later config for the same files replaces the rule of an earlier one, so each
 * file's patterns are assembled here (programs apart for all, no I/O for the pure ones, the bridge's layer rule).
 */
function layers() {
  const pure = (file) =>
    PURE.includes(file) || PURE.some((glob) => glob.endsWith('**/*.ts') && file.startsWith(glob.slice(0, -7)));
  const rule = (patterns) => ({ 'no-restricted-imports': ['error', { patterns: [PROGRAMS_APART, ...patterns] }] });
  const layered = Object.entries(BRIDGE_LAYERS).map(([files, [group, message]]) => ({
    files: [files],
    rules: rule([...(pure(files) ? IMPURE : []), { group, message, allowTypeImports: true }]),
  }));
  return [{ files: PURE, rules: rule(IMPURE) }, ...layered];
}

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', 'test/conformance/results/**', 'test/bench/results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/only-throw-error': 'error',
      eqeqeq: ['error', 'smart'],
      'no-console': 'error',
    },
  },
  {
    files: ['packages/*/src/**/*.ts', 'sidecar/src/**/*.ts', 'webhook/src/**/*.ts'],
    rules: {
      ...sizeBudget,
      // The pure cores must stay free of I/O; see the layering section of ARCHITECTURE.md.
      'no-restricted-imports': ['error', { patterns: [PROGRAMS_APART] }],
    },
  },
  ...layers(),
  {
    files: ['**/*.mjs', '**/*.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { ...tseslint.configs.disableTypeChecked.languageOptions, globals: globals.node },
  },
  {
    // Tests and tools print progress and results; programs log through pino.
    files: ['**/test/**/*.ts', 'test/**/*.ts', '**/scripts/**/*.ts', '**/*.mjs'],
    rules: { 'no-console': 'off', '@typescript-eslint/no-non-null-assertion': 'off' },
  },
  prettier,
);
