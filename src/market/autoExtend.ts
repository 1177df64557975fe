import { and, eq } from 'drizzle-orm'
import { ACCOUNT_OWNER, createAction, newActionId } from '../command/actionStore.ts'
import type { Db } from '../db/openDatabase.ts'
import { rentals as rentalRows, type Rental } from '../db/schema/market.ts'
import { rentalAutoExtend, rentalEndNotices } from '../db/schema/rentalEnds.ts'
import type { TokenUnits } from '../ledger/TokenUnits.ts'
import { enqueueNotification } from '../notify/enqueueNotification.ts'
import { utcMinute } from '../time/utcMinute.ts'

/** The largest cap `/rent … auto_extend:<hours>` takes: a week. */
export const AUTO_EXTEND_MAX_HOURS = 168
/** The "Stop auto-extend" button on each auto-extension message; commands/extend.ts handles it. */
export const STOP_AUTO_EXTEND_ACTION = 'rental.auto_extend.stop'
export interface StopAutoExtendPayload {
  rentalId: string
}

export type AutoExtendSetting = typeof rentalAutoExtend.$inferSelect

/** Call inside the confirm's transaction: the rental and its auto-extend commit together. */
export function enableAutoExtend(db: Db, rentalId: string, capHours: number): void {
  db.insert(rentalAutoExtend).values({ rentalId, capHours, extendedHours: 0 }).onConflictDoNothing().run()
}

export function autoExtendOf(db: Db, rentalId: string): AutoExtendSetting | undefined {
  return db.select().from(rentalAutoExtend).where(eq(rentalAutoExtend.rentalId, rentalId)).get()
}

/** Rentals.extend, named here without importing Rentals (which imports this file). */
export interface RentalExtender {
  extend(params: { accountId: number; id: string; hours: number }): Rental
}

/** The renter's Stop auto-extend: hours already added stay. @returns whether it was on */
export function stopAutoExtend(db: Db, rentalId: string): boolean {
  return db.delete(rentalAutoExtend).where(eq(rentalAutoExtend.rentalId, rentalId)).run().changes > 0
}

export interface AutoExtendDeps {
  db: Db
  units: TokenUnits
  rentals: RentalExtender
}

/** Adds one hour to a rental about to end, through the same path as /extend
 *  (frozen check, spend limit, balance, escrow). One transaction, keyed twice:
 *  by the end time it handles (a notice row) and by the step (hours added so
 *  far), so a retried or concurrent sweep extends once.
 *  @returns the extended rental, or undefined when another sweep handled this end
 *  @throws UserError from the extension (balance, limit, frozen, node offline); nothing changes then */
export function autoExtendOnce(deps: AutoExtendDeps, { rental, now }: { rental: Rental; now: number }): Rental | undefined {
  const { db, units } = deps
  return db.transaction(
    (tx) => {
      // Read again inside the (immediate, so serialised) transaction: another sweep may have handled this end.
      const current = tx.select({ status: rentalRows.status, endsAt: rentalRows.endsAt }).from(rentalRows).where(eq(rentalRows.id, rental.id)).get()
      if (current?.status !== 'running' || current.endsAt !== rental.endsAt) return undefined
      const setting = autoExtendOf(tx, rental.id)
      if (!setting || setting.extendedHours >= setting.capHours) return undefined
      const claimed = tx.insert(rentalEndNotices).values({ rentalId: rental.id, endsAt: rental.endsAt!, outcome: 'auto_extended', createdAt: now }).onConflictDoNothing().run()
      if (claimed.changes === 0) return undefined
      tx.update(rentalAutoExtend)
        .set({ extendedHours: setting.extendedHours + 1 })
        .where(and(eq(rentalAutoExtend.rentalId, rental.id), eq(rentalAutoExtend.extendedHours, setting.extendedHours)))
        .run()
      const extended = deps.rentals.extend({ accountId: rental.accountId, id: rental.id, hours: 1 })
      const added = setting.extendedHours + 1
      const cost = BigInt(rental.pricePerGpuHour) * BigInt(rental.gpuCount)
      const payload: StopAutoExtendPayload = { rentalId: rental.id }
      const stop = createAction(tx, {
        name: STOP_AUTO_EXTEND_ACTION,
        payload,
        owner: { platform: ACCOUNT_OWNER, id: String(rental.accountId) },
        groupId: newActionId(),
        now,
        ttlMs: extended.endsAt! - now,
      })
      enqueueNotification(tx, {
        dedupeKey: `rental.auto_extended:${rental.id}:${added}`,
        accountId: rental.accountId,
        topic: 'jobs',
        reply: {
          title: `Rental ${rental.id} auto-extended by 1 h`,
          text:
            `It now ends ${utcMinute(extended.endsAt!)}; ${units.display(cost)} more went into escrow (unused time is refunded when it ends). ` +
            `Auto-extend has added ${added} of its ${setting.capHours} h cap; /stop ${rental.id} ends the rental early.`,
          buttons: [{ label: 'Stop auto-extend', action: stop, style: 'secondary' }],
        },
        now,
      })
      return extended
    },
  )
}
