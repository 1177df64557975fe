import { readFileSync } from 'node:fs'

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

/** True while any process of the group `pgid` is alive. */
export function processGroupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0)
    return true
  } catch {
    // EPERM: alive but not ours, which for a saved pid means it is no longer our workload.
    return false
  }
}
