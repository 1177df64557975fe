import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Fails the run if a test leaves an anvil, a workload or a product running.
    globalSetup: ['test/support/processLeaks.ts'],
    reporters: ['default', 'json'],
    outputFile: { json: './data/test-report.json' },
  },
})
