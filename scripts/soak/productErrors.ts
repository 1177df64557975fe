import { readFileSync } from 'node:fs'

/** The product's logged errors (pino level ≥ 50), grouped by kind and cause,
 *  so the soak's report says why users saw "Something went wrong". */
export function productErrors(logFile: string): Map<string, number> {
  const groups = new Map<string, number>()
  let text = ''
  try {
    text = readFileSync(logFile, 'utf8')
  } catch {
    return groups
  }
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue
    try {
      const entry = JSON.parse(line) as { level?: number; msg?: string; err?: { type?: string; message?: string } }
      if ((entry.level ?? 0) < 50) continue
      const details = /Details: ([^\n]+)/.exec(entry.err?.message ?? '')?.[1] ?? (entry.err?.message ?? '').split('\n')[0]
      const key = `${entry.msg ?? 'error'}: ${entry.err?.type ?? ''} ${details}`.replace(/\d{2,}/g, 'N').slice(0, 240)
      groups.set(key, (groups.get(key) ?? 0) + 1)
    } catch {
      // A line cut short by a SIGKILL.
    }
  }
  return groups
}
