import { readdirSync, readFileSync } from 'node:fs'

/** Every process the soak starts inherits this variable (anvil, workloads and
 *  agents included), so the end can find any it did not stop. */
export const SOAK_RUN_VARIABLE = 'GRIDSHARE_SOAK_RUN'

/** Live processes carrying `SOAK_RUN_VARIABLE=id`, other than this one. */
export function leftoverProcesses(id: string): { pid: number; command: string }[] {
  const found: { pid: number; command: string }[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      if (/^[ZX]/.test(stat.slice(stat.lastIndexOf(')') + 2))) continue
      if (!readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0').includes(`${SOAK_RUN_VARIABLE}=${id}`)) continue
      found.push({ pid: Number(entry), command: readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ').trim().slice(0, 160) })
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
  return found
}

/** Waits up to `graceMs` for them to go, then SIGKILLs what is left; returns what was left. */
export async function sweepLeftovers(id: string, graceMs = 5_000): Promise<{ pid: number; command: string }[]> {
  let left = leftoverProcesses(id)
  for (let waited = 0; left.length && waited < graceMs; waited += 250) {
    await new Promise((resolve) => setTimeout(resolve, 250))
    left = leftoverProcesses(id)
  }
  for (const { pid } of left) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      // Already gone.
    }
  }
  return left
}
