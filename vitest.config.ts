import { defineConfig } from 'vitest/config';

/**
 * Test files that measure the bridge's peak memory under a flood run in a group of their own (vitest runs groups one
 * after the other), one file at a time, so no other file's load runs beside them: peak RSS is sensitive to CPU
 * contention (a starved bridge collects its garbage later). The slow-reader test read 83.6 MB against its 35 MB bound
 * in one full CI run, and 44 and 48 MB in 2 of 10 runs beside a CPU-bound process; alone, its largest reading in 8
 * runs was 27.8 MB (most of it V8's young generation growing to its cap: the heap after each scavenge stayed at 20 MB).
 */
const RUN_ALONE = ['test/abuse/slow-reader.test.ts'];

// Workspace sources are consumed through the "mcp-sidecar-source" export condition (a name no third-party package uses), so tests never need a build.
export default defineConfig({
  resolve: { conditions: ['mcp-sidecar-source'] },
  ssr: { resolve: { conditions: ['mcp-sidecar-source'], externalConditions: ['mcp-sidecar-source'] } },
  test: {
    exclude: ['**/node_modules/**'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 20_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default'],
    projects: [
      {
        extends: true,
        test: {
          name: 'all',
          include: [
            'packages/*/test/**/*.test.ts',
            'sidecar/test/**/*.test.ts',
            'webhook/test/**/*.test.ts',
            'test/**/*.test.ts',
          ],
          exclude: ['**/node_modules/**', ...RUN_ALONE],
        },
      },
      {
        extends: true,
        test: { name: 'alone', include: RUN_ALONE, fileParallelism: false, sequence: { groupOrder: 1 } },
      },
    ],
  },
});
