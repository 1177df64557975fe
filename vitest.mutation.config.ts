import { defineConfig } from 'vitest/config'
import base from './vitest.config.ts'

/** The test config Stryker runs (stryker.config.mjs). MUTATE_TESTS narrows the
 *  run to the test files that exercise the module being mutated (comma-separated
 *  globs), so one module takes minutes rather than the whole suite per mutant. */
const only = process.env.MUTATE_TESTS?.split(',').filter(Boolean)

export default defineConfig({
  ...base,
  test: { ...base.test, include: only?.length ? only : base.test!.include, reporters: ['default'], outputFile: undefined },
})
