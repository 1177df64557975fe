import { and, eq, gt, isNull, lte } from 'drizzle-orm'
import type { Logger } from '../app/logger.ts'
import { ACCOUNT_OWNER, createAction, newActionId } from '../command/actionStore.ts'
import type { Db } from '../db/openDatabase.ts'
import { rentals as rentalRows, type Rental } from '../db/schema/market.ts'
import { rentalEndNotices } from '../db/schema/rentalEnds.ts'
import { AppError } from '../errors/AppError.ts'
import type { TokenUnits } from '../ledger/TokenUnits.ts'
import { enqueueNotification } from '../notify/enqueueNotification.ts'
import { utcMinute } from '../time/utcMinute.ts'
import { autoExtendOf, autoExtendOnce, type RentalExtender } from './autoExtend.ts'

/** How long before a rental's end the reminder (or an auto-extension) comes. */
export const REMINDER_LEAD_MS = 15 * 60_000
/** The reminder's buttons run commands/extend.ts's handler. */
export const EXTEND_ACTION = 'rental.extend'
export interface ExtendButtonPayload {
  rentalId: string
  hours: number
}
/** A reminder read late still answers a press, with "already ended" once it has. */
const BUTTON_GRACE_MS = 24 * 3600_000

export interface RentalRemindersDeps {
  db: Db
  units: TokenUnits
  rentals: RentalExtender
  clock: () => number
  logger: Logger
}

/** Scheduler: for each running rental whose end is within the lead, once per
 *  end time: auto-extend it by an hour if the renter asked for that and it
 *  still can, otherwise remind the renter with Extend buttons (saying why
 *  auto-extend did not, where it was on). An extension moves the end, and so
 *  re-arms both. */
export class RentalReminders {
  constructor(private readonly deps: RentalRemindersDeps) {}

  sweep(): { reminded: number; autoExtended: number } {
    const { db, clock } = this.deps
    const now = clock()
    const due = db
      .select({ rental: rentalRows })
      .from(rentalRows)
      .leftJoin(rentalEndNotices, and(eq(rentalEndNotices.rentalId, rentalRows.id), eq(rentalEndNotices.endsAt, rentalRows.endsAt)))
      .where(and(eq(rentalRows.status, 'running'), gt(rentalRows.endsAt, now), lte(rentalRows.endsAt, now + REMINDER_LEAD_MS), isNull(rentalEndNotices.rentalId)))
      .all()
    const outcome = { reminded: 0, autoExtended: 0 }
    for (const { rental } of due) {
      try {
        const result = this.handle(rental, now)
        if (result) outcome[result]++
      } catch (error) {
        // One rental's trouble must not stop the others; its end is retried next tick.
        this.deps.logger.error({ err: error, rental: rental.id }, 'rental reminder failed; retried next tick')
      }
    }
    return outcome
  }

  private handle(rental: Rental, now: number): 'reminded' | 'autoExtended' | undefined {
    const setting = autoExtendOf(this.deps.db, rental.id)
    let note: string | undefined
    if (setting && setting.extendedHours < setting.capHours) {
      try {
        return autoExtendOnce(this.deps, { rental, now }) ? 'autoExtended' : undefined
      } catch (error) {
        if (!(error instanceof AppError) || !error.userMessage) throw error
        note = `Auto-extend could not add an hour, so it ends then unless you extend: ${error.userMessage}`
      }
    } else if (setting) {
      note = `Auto-extend has added all ${setting.capHours} h of its cap.`
    }
    return this.remind(rental, now, note) ? 'reminded' : undefined
  }

  /** One message per end time, with Extend 1 h / Extend 4 h buttons owned by the account. */
  private remind(rental: Rental, now: number, note: string | undefined): boolean {
    const { db, units } = this.deps
    return db.transaction(
      (tx) => {
        const current = tx.select({ status: rentalRows.status, endsAt: rentalRows.endsAt }).from(rentalRows).where(eq(rentalRows.id, rental.id)).get()
        if (current?.status !== 'running' || current.endsAt !== rental.endsAt) return false
        const claimed = tx.insert(rentalEndNotices).values({ rentalId: rental.id, endsAt: rental.endsAt!, outcome: 'reminded', createdAt: now }).onConflictDoNothing().run()
        if (claimed.changes === 0) return false
        const endsAt = rental.endsAt!
        const owner = { platform: ACCOUNT_OWNER, id: String(rental.accountId) } as const
        const groupId = newActionId()
        const button = (hours: number) => {
          const payload: ExtendButtonPayload = { rentalId: rental.id, hours }
          return createAction(tx, { name: EXTEND_ACTION, payload, owner, groupId, now, ttlMs: endsAt - now + BUTTON_GRACE_MS })
        }
        const hourly = BigInt(rental.pricePerGpuHour) * BigInt(rental.gpuCount)
        const minutes = Math.ceil((endsAt - now) / 60_000)
        enqueueNotification(tx, {
          dedupeKey: `rental.reminder:${rental.id}:${endsAt}`,
          accountId: rental.accountId,
          topic: 'jobs',
          reply: {
            title: `Rental ${rental.id} ends in ${minutes} min`,
            text:
              `${rental.gpuCount}× ${rental.model} on node ${rental.nodeId} ends ${utcMinute(endsAt)}. ` +
              `Extend 1 h costs ${units.display(hourly)}, 4 h ${units.display(hourly * 4n)}.` +
              (note ? ` ${note}` : ''),
            buttons: [
              { label: 'Extend 1 h', action: button(1), style: 'primary' },
              { label: 'Extend 4 h', action: button(4), style: 'secondary' },
            ],
          },
          now,
        })
        return true
      },
    )
  }
}
