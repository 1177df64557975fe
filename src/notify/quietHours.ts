import { eq } from 'drizzle-orm'
import type { Db } from '../db/openDatabase.ts'
import { quietHours } from '../db/schema/outbox.ts'

export interface QuietWindow {
  startHour: number
  endHour: number
}

const HOUR = 3600_000

/** When a DM to this account may go out: now, or the end of its quiet hours. */
export function deliverableAt(window: QuietWindow | undefined, now: number): number {
  if (!window) return now
  const hour = new Date(now).getUTCHours()
  const { startHour, endHour } = window
  const quiet = startHour <= endHour ? hour >= startHour && hour < endHour : hour >= startHour || hour < endHour
  if (!quiet) return now
  const dayStart = Math.floor(now / (24 * HOUR)) * 24 * HOUR
  let end = dayStart + endHour * HOUR
  if (end <= now) end += 24 * HOUR
  return end
}

export function quietWindowOf(db: Db, accountId: number): QuietWindow | undefined {
  return db.select({ startHour: quietHours.startHour, endHour: quietHours.endHour }).from(quietHours).where(eq(quietHours.accountId, accountId)).get()
}

export function setQuietWindow(db: Db, accountId: number, window: QuietWindow | null): void {
  if (!window) {
    db.delete(quietHours).where(eq(quietHours.accountId, accountId)).run()
    return
  }
  db.insert(quietHours).values({ accountId, ...window }).onConflictDoUpdate({ target: quietHours.accountId, set: window }).run()
}
