// Mutation testing of the code that moves money, power and trust (issue 17).
// `npm run mutate` runs each module of scripts/mutation/mutationModules.mjs with its
// own tests (scripts/mutation/mutate.ts); `npx stryker run --mutate <file>` runs one
// file against the tests vitest finds related. Incremental: a rerun tests only mutants
// whose code or tests changed. Results and survivors: docs/mutation.md.
import { MUTATION_MODULES } from './scripts/mutation/mutationModules.mjs'

// Set by scripts/mutation/mutate.ts: one report per module.
const name = process.env.MUTATE_NAME ?? 'mutation'

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  // With MUTATE_TESTS set (see vitest.mutation.config.ts) exactly those tests run; their
  // race tests reach the code through worker threads, which `related` cannot see.
  vitest: { configFile: 'vitest.mutation.config.ts', related: !process.env.MUTATE_TESTS },
  // Each mutant runs only the tests that cover it.
  coverageAnalysis: 'perTest',
  mutate: MUTATION_MODULES.map((m) => m.mutate),
  // Static mutants (module-level constants) would rerun every test for each; they are few here.
  ignoreStatic: true,
  incremental: true,
  incrementalFile: 'reports/stryker-incremental.json',
  // The machine has 2 cores shared with anvil, which many of these tests start.
  concurrency: 2,
  timeoutMS: 30_000,
  timeoutFactor: 2,
  thresholds: { high: 90, low: 80, break: null },
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: `reports/mutation/${name}.html` },
  jsonReporter: { fileName: `reports/mutation/${name}.json` },
  ignorePatterns: ['data', 'reports', 'coverage', '.stryker-tmp', 'scripts/soak/out'],
  tempDirName: '.stryker-tmp',
  // TypeScript 7 (the native compiler) has no JS API, which Stryker's tsconfig
  // rewriting and its TypeScript checker need; vitest does not read tsconfig paths
  // here, so pointing at a file that does not exist skips the rewrite.
  tsconfigFile: 'tsconfig.stryker-skip.json',
  cleanTempDir: 'always',
}
