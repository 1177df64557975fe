import { sql } from 'drizzle-orm'
import type { Db } from '../db/openDatabase.ts'
import { securityHoldMs } from '../identity/AccountSecurity.ts'

/** Providers whose payout waits: the account is frozen or in its security hold,
 *  or the provider wallet joined the account less than the hold ago (a thief who
 *  links a fresh wallet and runs an agent with it must not be paid to it). */
export function heldProviders(db: Db, providers: readonly { providerId: number; accountId: number; address: string }[], now: number): Set<number> {
  const held = new Set<number>()
  if (providers.length === 0) return held
  const hold = securityHoldMs(db)
  const rows = db.all<{ address: string; linkedAt: number; frozenAt: number | null; holdUntil: number | null }>(
    sql`select w.address as address, w.linked_at as linkedAt, a.frozen_at as frozenAt, a.security_hold_until as holdUntil from wallets w join accounts a on a.id = w.account_id`,
  )
  const byAddress = new Map(rows.map((r) => [r.address, r]))
  for (const p of providers) {
    const row = byAddress.get(p.address)
    if (!row || row.frozenAt !== null || (row.holdUntil !== null && now < row.holdUntil) || row.linkedAt > now - hold) held.add(p.providerId)
  }
  return held
}
