import { randomBytes } from 'node:crypto'
import { sweepMarkedProcesses } from '../../src/process/markedProcesses.ts'

/** Marks every process this test run starts (children inherit the
 *  environment) so the teardown can find those still alive: an anvil, a
 *  workload or a product left running by a test fails the run. Tests that
 *  spawn with an explicit env pass `testRunEnv()` along. */
export const TEST_RUN_VARIABLE = 'GRIDSHARE_TEST_RUN'

export function testRunEnv(): Record<string, string> {
  const id = process.env[TEST_RUN_VARIABLE]
  return id ? { [TEST_RUN_VARIABLE]: id } : {}
}

export default function setup(): () => Promise<void> {
  const id = randomBytes(8).toString('hex')
  process.env[TEST_RUN_VARIABLE] = id
  return async () => {
    // Processes told to stop in the last test get a moment to finish; the rest are killed.
    const left = await sweepMarkedProcesses(TEST_RUN_VARIABLE, id)
    if (left.length === 0) return
    // A teardown error alone does not change vitest's exit status.
    process.exitCode = 1
    throw new Error(`Tests left ${left.length} process(es) running (now killed):\n${left.map((p) => `  ${p.pid} ${p.command}`).join('\n')}`)
  }
}
