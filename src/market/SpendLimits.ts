import { and, eq, gte, inArray, lt, or } from 'drizzle-orm'
import { ACCOUNT_OWNER, createAction, newActionId } from '../command/actionStore.ts'
import type { Db } from '../db/openDatabase.ts'
import { securityEvents } from '../db/schema/identity.ts'
import { ledgerEntries, ledgerTransactions } from '../db/schema/ledger.ts'
import { spendLimits } from '../db/schema/spendLimits.ts'
import { UserError } from '../errors/AppError.ts'
import { FREEZE_ACTION, FREEZE_BUTTON_TTL_MS } from '../identity/AccountSecurity.ts'
import { available, escrow } from '../ledger/balanceKeys.ts'
import type { TokenUnits } from '../ledger/TokenUnits.ts'
import { enqueueNotification } from '../notify/enqueueNotification.ts'
import { utcMinute } from '../time/utcMinute.ts'

/** Postings that commit money to rentals: a confirm's escrow and every extension (manual or auto). */
const COMMITTING_KINDS = ['rental.escrow', 'rental.extend']
/** Settlements whose refund of unused time gives back what was committed. */
const SETTLING_KINDS = ['rental.stopped', 'rental.failed', 'rental.expired', 'rental.completed']

export interface SpendLimitStatus {
  /** Undefined when the account has no limit. */
  cap?: bigint
  committed: bigint
  monthStart: number
  nextMonthStart: number
}

/** The UTC calendar month holding `now`, as [start, next start). */
export function utcMonth(now: number): { start: number; next: number } {
  const date = new Date(now)
  return { start: Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1), next: Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1) }
}

/** What the account committed to rentals this UTC month: escrowed at confirms
 *  and extensions, less refunds of unused time paid back this month (money
 *  that came back was not spent). Never below zero: a refund of last month's
 *  rental does not buy headroom beyond the cap. */
export function committedThisMonth(db: Db, accountId: number, now: number): bigint {
  const { start, next } = utcMonth(now)
  const rows = db
    .select({ kind: ledgerTransactions.kind, key: ledgerEntries.key, amount: ledgerEntries.amount })
    .from(ledgerEntries)
    .innerJoin(ledgerTransactions, eq(ledgerTransactions.id, ledgerEntries.transactionId))
    .where(
      and(
        or(
          and(eq(ledgerEntries.key, escrow(accountId)), inArray(ledgerTransactions.kind, COMMITTING_KINDS)),
          and(eq(ledgerEntries.key, available(accountId)), inArray(ledgerTransactions.kind, SETTLING_KINDS)),
        ),
        gte(ledgerTransactions.createdAt, start),
        lt(ledgerTransactions.createdAt, next),
      ),
    )
    .all()
  const net = rows.reduce((sum, row) => (COMMITTING_KINDS.includes(row.kind) ? sum + BigInt(row.amount) : sum - BigInt(row.amount)), 0n)
  return net > 0n ? net : 0n
}

export function spendLimitOf(db: Db, accountId: number): bigint | undefined {
  const row = db.select({ cap: spendLimits.monthlyCap }).from(spendLimits).where(eq(spendLimits.accountId, accountId)).get()
  return row ? BigInt(row.cap) : undefined
}

/** Call inside the transaction that commits `amount` (confirm, extend), so two
 *  concurrent commitments cannot both fit under the cap.
 *  @throws UserError naming the limit, what is committed this month and the amount asked */
export function assertWithinSpendLimit(db: Db, units: TokenUnits, { accountId, amount, now }: { accountId: number; amount: bigint; now: number }): void {
  const cap = spendLimitOf(db, accountId)
  if (cap === undefined) return
  const committed = committedThisMonth(db, accountId, now)
  if (committed + amount <= cap) return
  throw new UserError(
    `This would commit ${units.display(amount)}, but your monthly spend limit is ${units.display(cap)} and ${units.display(committed)} is already committed this month (UTC); raise it with /limits spend <amount>, or wait until ${utcMinute(utcMonth(now).next)}.`,
    'SPEND_LIMIT',
  )
}

export interface SpendLimitsDeps {
  db: Db
  units: TokenUnits
  clock: () => number
}

/** /limits: a renter's own monthly cap. Lowering it or setting a first one
 *  only protects, so it is quiet; raising or removing it is what someone
 *  holding a stolen chat account would do, so every identity of the account
 *  is told at once, with a Freeze button. */
export class SpendLimits {
  constructor(private readonly deps: SpendLimitsDeps) {}

  status(accountId: number): SpendLimitStatus {
    const { db, clock } = this.deps
    const now = clock()
    const { start, next } = utcMonth(now)
    return { cap: spendLimitOf(db, accountId), committed: committedThisMonth(db, accountId, now), monthStart: start, nextMonthStart: next }
  }

  /** Sets the cap; returns whether it loosened an existing one (and so was announced). */
  set(accountId: number, cap: bigint): { loosened: boolean } {
    const { db, units, clock } = this.deps
    const now = clock()
    return db.transaction(
      (tx) => {
        const previous = spendLimitOf(tx, accountId)
        tx.insert(spendLimits)
          .values({ accountId, monthlyCap: cap.toString(), updatedAt: now })
          .onConflictDoUpdate({ target: spendLimits.accountId, set: { monthlyCap: cap.toString(), updatedAt: now } })
          .run()
        const loosened = previous !== undefined && cap > previous
        if (loosened) announceLoosened(tx, { accountId, now, detail: `Your monthly spend limit was raised from ${units.display(previous)} to ${units.display(cap)}.` })
        return { loosened }
      },
    )
  }

  /** Removes the cap; returns whether there was one. */
  remove(accountId: number): { removed: boolean } {
    const { db, units, clock } = this.deps
    const now = clock()
    return db.transaction(
      (tx) => {
        const previous = spendLimitOf(tx, accountId)
        if (previous === undefined) return { removed: false }
        tx.delete(spendLimits).where(eq(spendLimits.accountId, accountId)).run()
        announceLoosened(tx, { accountId, now, detail: `Your monthly spend limit of ${units.display(previous)} was removed.` })
        return { removed: true }
      },
    )
  }
}

/** Recorded and told like a security change (AccountSecurity), without the
 *  withdrawal hold: a looser cap moves no money off the platform. */
function announceLoosened(db: Db, { accountId, now, detail }: { accountId: number; now: number; detail: string }): void {
  const event = db.insert(securityEvents).values({ accountId, kind: 'spend_limit_loosened', detail, createdAt: now }).returning({ id: securityEvents.id }).get()
  const freeze = createAction(db, { name: FREEZE_ACTION, payload: null, owner: { platform: ACCOUNT_OWNER, id: String(accountId) }, groupId: newActionId(), now, ttlMs: FREEZE_BUTTON_TTL_MS })
  enqueueNotification(db, {
    dedupeKey: `security:${event.id}`,
    accountId,
    topic: 'security',
    reply: {
      title: 'Spend limit loosened',
      text: `${detail} If this was not you, press Freeze my account now: it stops renting, extending, withdrawals and bot signing.`,
      buttons: [{ label: 'Freeze my account', action: freeze, style: 'danger' }],
    },
    now,
  })
}
