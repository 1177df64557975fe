import { readdirSync, readFileSync } from 'node:fs'

/** Names one run of a process: the boot and the start time of `pid`.
 *  A pid saved in the state file is only trusted again when this matches,
 *  so after a reboot the agent never adopts — or kills — a stranger that
 *  happens to have the same pid. Undefined where /proc is not available. */
export function processIdentity(pid: number): string | undefined {
  try {
    const bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim()
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // The command name (field 2) may hold spaces and parentheses; count from its end.
    const startTime = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]
    return startTime ? `${bootId}:${startTime}` : undefined
  } catch {
    return undefined
  }
}

/** True while `pid` runs; a zombie (exited, not yet reaped) does not count. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return !/^[ZX]/.test(stat.slice(stat.lastIndexOf(')') + 2))
  } catch {
    return false
  }
}

/** True while a live process of the group `pgid` remains. Zombies do not
 *  count: where PID 1 does not reap orphans (a container without --init),
 *  a workload's dead children linger as zombies in its group forever. */
export function processGroupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0)
  } catch {
    // ESRCH: none left. EPERM: not ours, so for a saved pid no longer our workload.
    return false
  }
  let entries: string[]
  try {
    entries = readdirSync('/proc')
  } catch {
    return true
  }
  return entries.some((entry) => {
    if (!/^\d+$/.test(entry)) return false
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      const [state, , group] = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      return Number(group) === pgid && state !== 'Z' && state !== 'X'
    } catch {
      return false
    }
  })
}
