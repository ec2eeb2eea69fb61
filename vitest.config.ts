import { defineConfig } from 'vitest/config';

// Workspace sources are consumed through the "mcp-sidecar-source" export condition (a name no third-party package uses), so tests never need a build.
export default defineConfig({
  resolve: { conditions: ['mcp-sidecar-source'] },
  ssr: { resolve: { conditions: ['mcp-sidecar-source'], externalConditions: ['mcp-sidecar-source'] } },
  test: {
    include: [
      'packages/*/test/**/*.test.ts',
      'sidecar/test/**/*.test.ts',
      'webhook/test/**/*.test.ts',
      'test/**/*.test.ts',
    ],
    exclude: ['**/node_modules/**'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 20_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default'],
  },
});
