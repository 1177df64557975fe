import { parse } from 'node-cron'

/** The scheduled times of a node-cron expression (UTC) in (after, until],
 *  so epochs missed while the service was down can be closed in order. */
export function cronTimesBetween(expression: string, afterMs: number, untilMs: number, limit = 10_000): number[] {
  const times: number[] = []
  let t = afterMs
  while (times.length < limit) {
    const next = nextCronTime(expression, t)
    if (next === undefined || next > untilMs) break
    times.push(next)
    t = next
  }
  return times
}

/** The first whole second after `afterMs` that matches, skipping whole months,
 *  days, hours and minutes that cannot. */
export function nextCronTime(expression: string, afterMs: number): number | undefined {
  const fields = parse(expression)
  const sets = {
    second: new Set(fields.second),
    minute: new Set(fields.minute),
    hour: new Set(fields.hour),
    day: new Set(fields.dayOfMonth.map(Number)),
    month: new Set(fields.month),
    weekday: new Set(fields.dayOfWeek.map((d) => Number(d) % 7)),
  }
  const d = new Date(Math.floor(afterMs / 1000) * 1000 + 1000)
  const horizon = afterMs + 5 * 366 * 24 * 3600_000
  while (d.getTime() <= horizon) {
    if (!sets.month.has(d.getUTCMonth() + 1)) {
      d.setUTCMonth(d.getUTCMonth() + 1, 1)
      d.setUTCHours(0, 0, 0, 0)
    } else if (!sets.day.has(d.getUTCDate()) || !sets.weekday.has(d.getUTCDay())) {
      d.setUTCDate(d.getUTCDate() + 1)
      d.setUTCHours(0, 0, 0, 0)
    } else if (!sets.hour.has(d.getUTCHours())) {
      d.setUTCHours(d.getUTCHours() + 1, 0, 0, 0)
    } else if (!sets.minute.has(d.getUTCMinutes())) {
      d.setUTCMinutes(d.getUTCMinutes() + 1, 0, 0)
    } else if (!sets.second.has(d.getUTCSeconds())) {
      d.setUTCSeconds(d.getUTCSeconds() + 1, 0)
    } else {
      return d.getTime()
    }
  }
  return undefined
}
