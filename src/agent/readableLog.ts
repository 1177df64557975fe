import type { DestinationStream } from 'pino'

const LEVEL_PREFIX: Record<number, string> = { 40: 'warning: ', 50: 'error: ', 60: 'fatal: ' }
/** pino's bookkeeping, and what the sentence itself carries. */
const LEFT_OUT = new Set(['level', 'time', 'pid', 'hostname', 'msg', 'err'])

/** One pino JSON line as a person at a terminal reads it:
 *  `12:03:04  registered with the coordinator (nodeId n1, gpus 2)`, the time
 *  local, warnings and errors named, an error's own sentence after a colon. */
export function readableLogLine(json: string): string {
  let entry: Record<string, unknown>
  try {
    entry = JSON.parse(json) as Record<string, unknown>
  } catch {
    return json.endsWith('\n') ? json : `${json}\n`
  }
  const time = typeof entry.time === 'number' ? new Date(entry.time).toTimeString().slice(0, 8) : ''
  const details = Object.entries(entry)
    .filter(([key, value]) => !LEFT_OUT.has(key) && value !== undefined)
    .map(([key, value]) => `${key} ${typeof value === 'string' ? value : JSON.stringify(value)}`)
  const err = entry.err as { message?: string } | undefined
  const prefix = LEVEL_PREFIX[entry.level as number] ?? ''
  return `${time}  ${prefix}${String(entry.msg ?? '')}${err?.message ? `: ${err.message}` : ''}${details.length ? ` (${details.join(', ')})` : ''}\n`
}

/** A pino destination that writes readable lines (for a terminal) instead of JSON. */
export function readableDestination(out: { write(text: string): unknown }): DestinationStream {
  return { write: (line: string) => void out.write(readableLogLine(line)) }
}
