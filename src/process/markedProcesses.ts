import { readdirSync, readFileSync } from 'node:fs'

/** A run (the test suite, a soak) marks every process it starts with an
 *  environment variable that children inherit, anvil and workloads included,
 *  so at its end it can find any it did not stop. */
export interface MarkedProcess {
  pid: number
  command: string
}

/** Live processes carrying `variable=id`, other than this one. */
export function markedProcesses(variable: string, id: string): MarkedProcess[] {
  const found: MarkedProcess[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      if (/^[ZX]/.test(stat.slice(stat.lastIndexOf(')') + 2))) continue
      if (!readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0').includes(`${variable}=${id}`)) continue
      found.push({ pid: Number(entry), command: readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ').trim().slice(0, 200) })
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
  return found
}

/** Waits up to `graceMs` for them to go, then SIGKILLs what is left; returns what was left. */
export async function sweepMarkedProcesses(variable: string, id: string, graceMs = 5_000): Promise<MarkedProcess[]> {
  let left = markedProcesses(variable, id)
  for (let waited = 0; left.length > 0 && waited < graceMs; waited += 250) {
    await new Promise((resolve) => setTimeout(resolve, 250))
    left = markedProcesses(variable, id)
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
