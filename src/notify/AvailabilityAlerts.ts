import { and, asc, eq, gte, isNull, lte, or, sql } from 'drizzle-orm'
import { ACCOUNT_OWNER, createAction, newActionId } from '../command/actionStore.ts'
import { uniqueShortId } from '../app/shortId.ts'
import type { Db } from '../db/openDatabase.ts'
import { alerts, type Alert } from '../db/schema/alerts.ts'
import { nodeGpus } from '../db/schema/market.ts'
import { UserError } from '../errors/AppError.ts'
import type { TokenUnits } from '../ledger/TokenUnits.ts'
import { enqueueNotification } from './enqueueNotification.ts'
import { priceSortKey } from '../market/NodeRegistry.ts'

export const ALERT_COOL_DOWN_MS = 60 * 60_000
const MAX_ALERTS_PER_ACCOUNT = 10

export interface RentFromAlertPayload {
  model: string
  gpuCount: number
  region: string | null
  maxPrice: string | null
}

/** Saved availability searches. Evaluated when capacity appears on a node
 *  (registered, back online, a rental ended), only against alerts for the
 *  models that node offers and that are not cooling down. */
export class AvailabilityAlerts {
  constructor(private readonly deps: { db: Db; units: TokenUnits; clock: () => number }) {}

  /** @throws UserError at the per-account limit */
  create(params: { accountId: number; model: string; gpuCount: number; maxPrice?: bigint; region?: string }): Alert {
    const { db, clock } = this.deps
    const { n } = db.select({ n: sql<number>`count(*)` }).from(alerts).where(eq(alerts.accountId, params.accountId)).get()!
    if (n >= MAX_ALERTS_PER_ACCOUNT) throw new UserError(`You have ${n} alerts, the most allowed; remove one with /alert delete <id>.`, 'TOO_MANY_ALERTS')
    return db
      .insert(alerts)
      .values({
        id: uniqueShortId('a', 4, (id) => db.select({ id: alerts.id }).from(alerts).where(eq(alerts.id, id)).get() !== undefined),
        accountId: params.accountId,
        model: params.model,
        gpuCount: params.gpuCount,
        // Zero-padded so SQLite compares it as a number; BigInt() reads it back unchanged.
        maxPrice: params.maxPrice === undefined ? null : priceSortKey(params.maxPrice),
        region: params.region ?? null,
        createdAt: clock(),
      })
      .returning()
      .get()
  }

  list(accountId: number): Alert[] {
    return this.deps.db.select().from(alerts).where(eq(alerts.accountId, accountId)).orderBy(asc(alerts.createdAt)).all()
  }

  /** @throws UserError when the alert is not the account's */
  delete(accountId: number, id: string): void {
    const removed = this.deps.db.delete(alerts).where(and(eq(alerts.id, id.trim().toLowerCase()), eq(alerts.accountId, accountId))).run()
    if (removed.changes === 0) throw new UserError(`You have no alert ${id}; /alerts lists yours.`, 'NOT_FOUND')
  }

  /** Fires matching alerts for a node's free capacity; returns how many fired. */
  evaluateNode(nodeId: string): number {
    const { db, units, clock } = this.deps
    const now = clock()
    // Read by the node's key, unlisted rows dropped here: with `online = ?` in the WHERE, SQLite
    // walked every listed row by an online-first index (350 ms at 100,000 nodes; test/market/quotePlan.test.ts).
    const offers = db.select().from(nodeGpus).where(eq(nodeGpus.nodeId, nodeId)).all().filter((offer) => offer.online)
    let fired = 0
    for (const offer of offers) {
      const free = offer.total - offer.allocated
      if (free <= 0) continue
      const price = BigInt(offer.pricePerGpuHour)
      const candidates = db
        .select()
        .from(alerts)
        .where(
          and(
            eq(alerts.model, offer.model),
            lte(alerts.coolUntil, now),
            lte(alerts.gpuCount, free),
            or(isNull(alerts.region), eq(alerts.region, offer.region)),
            or(isNull(alerts.maxPrice), gte(alerts.maxPrice, offer.priceSort)),
          ),
        )
        .all()
      for (const alert of candidates) {
        db.transaction((tx) => {
          const cooled = tx
            .update(alerts)
            .set({ coolUntil: now + ALERT_COOL_DOWN_MS, lastFiredAt: now })
            .where(and(eq(alerts.id, alert.id), lte(alerts.coolUntil, now)))
            .run()
          if (cooled.changes === 0) return
          const payload: RentFromAlertPayload = { model: alert.model, gpuCount: alert.gpuCount, region: offer.region, maxPrice: offer.pricePerGpuHour }
          const action = createAction(tx, {
            name: 'alert.rent',
            payload,
            owner: { platform: ACCOUNT_OWNER, id: String(alert.accountId) },
            groupId: newActionId(),
            now,
            ttlMs: ALERT_COOL_DOWN_MS,
          })
          enqueueNotification(tx, {
            dedupeKey: `alert:${alert.id}:${now}`,
            accountId: alert.accountId,
            topic: 'alerts',
            reply: {
              title: `GPUs available: ${alert.gpuCount}× ${alert.model}`,
              text: `Node ${offer.nodeId} in ${offer.region} has ${free} free at ${units.display(price)} per GPU-hour (alert ${alert.id}). Rent gives a 1-hour quote; /extend adds time later. This alert rests for an hour.`,
              buttons: [{ label: 'Rent', action, style: 'primary' }],
            },
            now,
          })
          fired++
        })
      }
    }
    return fired
  }
}
