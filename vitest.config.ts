import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    globalSetup: ['test/global-setup.ts'],
    // A test with no expect() fails: a test that cannot fail is a defect.
    expect: { requireAssertions: true },
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Store and worker tests share one PostgreSQL and one Redis; files isolate by schema/prefix.
    fileParallelism: true,
    env: { TZ: 'UTC', LEADSTAGE_LOG_LEVEL: 'silent' },
    // In CI a JSON report lets .ci/run print the plain "N passed, N failed" closing line.
    reporters: process.env.CI
      ? ['default', ['json', { outputFile: 'test-results/vitest.json' }]]
      : ['default'],
  },
});
