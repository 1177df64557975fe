import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { processIdentity } from '../process/processIdentity.ts'

/** What a running embedded anvil leaves beside its state file, so the next
 *  start can find it if this process died without stopping it. */
interface PidRecord {
  pid: number
  identity: string | undefined
}

export const pidFileOf = (stateFile: string) => `${stateFile}.pid`

export function recordAnvilPid(stateFile: string, pid: number): void {
  writeFileSync(pidFileOf(stateFile), JSON.stringify({ pid, identity: processIdentity(pid) } satisfies PidRecord))
}

/** Removes the record if it still names `pid` (a later start may have replaced it). */
export function forgetAnvilPid(stateFile: string, pid?: number): void {
  try {
    if (pid !== undefined && (JSON.parse(readFileSync(pidFileOf(stateFile), 'utf8')) as PidRecord).pid !== pid) return
  } catch {
    return
  }
  rmSync(pidFileOf(stateFile), { force: true })
}

/** Stops an anvil an earlier run left writing this state file, before the
 *  state is loaded: an orphan dumping every second would roll the new chain
 *  back. Only a process whose identity (boot + start time) matches the record
 *  is touched, never a stranger that reused the pid. Returns its pid if one was stopped. */
export async function stopOrphanedAnvil(stateFile: string, timeoutMs = 10_000): Promise<number | undefined> {
  let record: PidRecord
  try {
    record = JSON.parse(readFileSync(pidFileOf(stateFile), 'utf8')) as PidRecord
  } catch {
    return undefined
  }
  const alive = () => record.identity !== undefined && processIdentity(record.pid) === record.identity
  if (!alive()) {
    forgetAnvilPid(stateFile)
    return undefined
  }
  // SIGTERM first: anvil writes its state on the way out, and that state is what we load next.
  process.kill(record.pid, 'SIGTERM')
  const deadline = Date.now() + timeoutMs
  while (alive() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50))
  if (alive()) process.kill(record.pid, 'SIGKILL')
  while (alive()) await new Promise((resolve) => setTimeout(resolve, 50))
  forgetAnvilPid(stateFile)
  return record.pid
}
