import { randomBytes } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'

/** Marks every process this test run starts (children inherit the
 *  environment) so the teardown can find those still alive: an anvil, a
 *  workload or a product left running by a test fails the run. Tests that
 *  spawn with an explicit env pass `testRunEnv()` along. */
export const TEST_RUN_VARIABLE = 'GRIDSHARE_TEST_RUN'

export function testRunEnv(): Record<string, string> {
  const id = process.env[TEST_RUN_VARIABLE]
  return id ? { [TEST_RUN_VARIABLE]: id } : {}
}

function marked(id: string): { pid: number; command: string }[] {
  const found: { pid: number; command: string }[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      if (/^[ZX]/.test(stat.slice(stat.lastIndexOf(')') + 2))) continue
      if (!readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0').includes(`${TEST_RUN_VARIABLE}=${id}`)) continue
      found.push({ pid: Number(entry), command: readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ').trim().slice(0, 200) })
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
  return found
}

export default function setup(): () => Promise<void> {
  const id = randomBytes(8).toString('hex')
  process.env[TEST_RUN_VARIABLE] = id
  return async () => {
    let left = marked(id)
    // Give processes told to stop in the last test a moment to finish.
    for (let waited = 0; left.length > 0 && waited < 5_000; waited += 250) {
      await new Promise((resolve) => setTimeout(resolve, 250))
      left = marked(id)
    }
    if (left.length === 0) return
    for (const { pid } of left) {
      try {
        process.kill(pid, 'SIGKILL')
      } catch {
        // Already gone.
      }
    }
    // A teardown error alone does not change vitest's exit status.
    process.exitCode = 1
    throw new Error(`Tests left ${left.length} process(es) running (now killed):\n${left.map((p) => `  ${p.pid} ${p.command}`).join('\n')}`)
  }
}
