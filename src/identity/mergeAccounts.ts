import { and, eq, inArray, sql } from 'drizzle-orm'
import { ACCOUNT_OWNER } from '../command/actionStore.ts'
import type { Db } from '../db/openDatabase.ts'
import { actions } from '../db/schema/actions.ts'
import { alerts } from '../db/schema/alerts.ts'
import { deposits, payouts } from '../db/schema/chain.ts'
import { aliasRequests, governanceVotes, proposals, snapshotAliases, snapshotRelays } from '../db/schema/governance.ts'
import { accounts, chatIdentities, securityEvents } from '../db/schema/identity.ts'
import { rentals, slashes, unbondings } from '../db/schema/market.ts'
import { notificationPreferences, notifications, quietHours } from '../db/schema/outbox.ts'
import { epochStatements } from '../db/schema/rewards.ts'
import { spendLimits } from '../db/schema/spendLimits.ts'
import { sshKeys } from '../db/schema/sshKeys.ts'
import { mergeRequests, wallets } from '../db/schema/wallets.ts'
import { ACCOUNT_BALANCE_KINDS } from '../ledger/balanceKeys.ts'
import type { Ledger } from '../ledger/Ledger.ts'
import { spendLimitOf } from '../market/SpendLimits.ts'

/** Folds account `from` into `into`: every balance kind, and everything that
 *  belongs to the person (rentals with their escrow, votes, alerts, SSH keys, settings,
 *  wallets and so provider nodes, earnings, bonds, history). The surviving
 *  account's own settings win on a clash. Call inside one transaction, once
 *  every approval is in; a second call moves nothing (the ledger key is idempotent).
 *  Provider rows and their attestations are keyed by wallet address and follow the wallets. */
export function mergeAccounts(db: Db, ledger: Ledger, { from, into, now }: { from: number; into: number; now: number }): void {
  const entries = ACCOUNT_BALANCE_KINDS.flatMap((kind) => {
    const amount = ledger.balance(kind(from))
    return amount !== 0n
      ? [
          { key: kind(from), amount: -amount },
          { key: kind(into), amount },
        ]
      : []
  })
  if (entries.length) ledger.post({ kind: 'account.merge', idempotencyKey: `account.merge:${from}:${into}`, entries, now })

  for (const table of [rentals, payouts, deposits, alerts, governanceVotes, aliasRequests, snapshotAliases, snapshotRelays, epochStatements, slashes, unbondings, securityEvents, notifications]) {
    db.update(table).set({ accountId: into }).where(eq(table.accountId, from)).run()
  }
  db.update(proposals).set({ authorAccountId: into }).where(eq(proposals.authorAccountId, from)).run()
  db.run(sql`insert or ignore into notification_preferences (account_id, topic, enabled) select ${into}, topic, enabled from notification_preferences where account_id = ${from}`)
  db.delete(notificationPreferences).where(eq(notificationPreferences.accountId, from)).run()
  db.run(sql`insert or ignore into quiet_hours (account_id, start_hour, end_hour) select ${into}, start_hour, end_hour from quiet_hours where account_id = ${from}`)
  db.delete(quietHours).where(eq(quietHours.accountId, from)).run()
  // SSH keys follow the person; a key both accounts hold stays once.
  db.run(sql`update or ignore ssh_keys set account_id = ${into} where account_id = ${from}`)
  db.delete(sshKeys).where(eq(sshKeys.accountId, from)).run()
  // Buttons in earlier messages (Freeze my account, alerts) keep working for the person.
  db.update(actions)
    .set({ ownerUserId: String(into) })
    .where(and(eq(actions.ownerPlatform, ACCOUNT_OWNER), eq(actions.ownerUserId, String(from))))
    .run()
  db.update(mergeRequests).set({ requesterAccountId: into }).where(eq(mergeRequests.requesterAccountId, from)).run()
  db.update(mergeRequests).set({ targetAccountId: into }).where(eq(mergeRequests.targetAccountId, from)).run()
  // A request between the two accounts just merged has nothing left to decide.
  db.update(mergeRequests)
    .set({ status: 'expired', decidedAt: now })
    .where(and(eq(mergeRequests.status, 'pending'), eq(mergeRequests.requesterAccountId, into), eq(mergeRequests.targetAccountId, into)))
    .run()
  db.update(chatIdentities).set({ accountId: into }).where(eq(chatIdentities.accountId, from)).run()
  // Wallets that come with the merged account join this one now: they wait out the hold
  // before money leaves to them, and cannot lift a freeze the owner sets against this change.
  db.update(wallets).set({ accountId: into, linkedAt: sql`max(${wallets.linkedAt}, ${now})` }).where(eq(wallets.accountId, from)).run()

  // A freeze on either side stays (the earliest one), and so does the longer hold.
  const both = db.select().from(accounts).where(inArray(accounts.id, [from, into])).all()
  const frozen = both.map((a) => a.frozenAt).filter((f): f is number => f !== null)
  const holds = both.map((a) => a.securityHoldUntil).filter((h): h is number => h !== null)
  db.update(accounts)
    .set({ frozenAt: frozen.length ? Math.min(...frozen) : null, securityHoldUntil: holds.length ? Math.max(...holds) : null })
    .where(eq(accounts.id, into))
    .run()
  db.update(accounts).set({ mergedInto: into }).where(eq(accounts.id, from)).run()
  keepStricterSpendLimit(db, { from, into, now })
}

/** The lower spend limit in force stays, as a freeze does (a cap beats none): a merge is no
 *  way around a limit. A loosening still waiting on either side is dropped. */
function keepStricterSpendLimit(db: Db, { from, into, now }: { from: number; into: number; now: number }): void {
  const caps = [spendLimitOf(db, from, now), spendLimitOf(db, into, now)].filter((cap): cap is bigint => cap !== undefined)
  db.delete(spendLimits).where(inArray(spendLimits.accountId, [from, into])).run()
  if (caps.length === 0) return
  const stricter = caps.reduce((a, b) => (a < b ? a : b))
  db.insert(spendLimits).values({ accountId: into, monthlyCap: stricter.toString(), updatedAt: now }).run()
}
