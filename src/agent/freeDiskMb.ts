import { statfsSync } from 'node:fs'

/** Free space on the filesystem holding `dir`, in whole MB, as an unprivileged
 *  process may use it (bavail, not bfree: root's reserve is not the renter's);
 *  undefined when it cannot be read, and the agent then reports nothing. */
export function freeDiskMb(dir: string): number | undefined {
  try {
    const stats = statfsSync(dir, { bigint: true })
    return Number((stats.bavail * stats.bsize) >> 20n)
  } catch {
    return undefined
  }
}
