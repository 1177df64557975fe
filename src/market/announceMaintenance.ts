import { and, eq, inArray } from 'drizzle-orm'
import type { Db } from '../db/openDatabase.ts'
import { nodes, rentals } from '../db/schema/market.ts'
import { UserError } from '../errors/AppError.ts'
import { enqueueNotification } from '../notify/enqueueNotification.ts'
import { utcMinute } from '../time/utcMinute.ts'
import { nodeOwnerAccount } from './nodeOwnership.ts'

/** A provider announces maintenance on one of its nodes; renters whose rentals
 *  on it run into the window are warned now, once each. Returns how many. */
export function announceMaintenance(db: Db, params: { accountId: number; nodeId: string; from: number; hours: number; now: number }): number {
  const { accountId, nodeId, from, hours, now } = params
  if (nodeOwnerAccount(db, nodeId) !== accountId) throw new UserError(`You have no node ${nodeId}; /provider lists yours.`, 'NOT_FOUND')
  if (from < now - 60_000) throw new UserError('The maintenance start is in the past; expected a future time such as 2026-12-01T02:00Z.', 'BAD_TIME')
  const until = from + hours * 3600_000
  return db.transaction((tx) => {
    tx.update(nodes).set({ maintenanceFrom: from, maintenanceUntil: until }).where(eq(nodes.id, nodeId)).run()
    const affected = tx
      .select()
      .from(rentals)
      .where(and(eq(rentals.nodeId, nodeId), inArray(rentals.status, ['pending', 'provisioning', 'running'])))
      .all()
      .filter((r) => (r.endsAt ?? now + r.hours * 3600_000) > from)
    for (const rental of affected) {
      enqueueNotification(tx, {
        dedupeKey: `maintenance:${nodeId}:${from}:${rental.id}`,
        accountId: rental.accountId,
        topic: 'jobs',
        reply: {
          title: `Maintenance ahead for rental ${rental.id}`,
          text: `Node ${nodeId} will be under maintenance from ${utcMinute(from)} to ${utcMinute(until)}. Save your work before then; unserved time is refunded if the node stops.`,
        },
        now,
      })
    }
    return affected.length
  })
}
