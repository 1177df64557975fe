import { and, eq, gte, inArray, lt, or } from 'drizzle-orm'
import type { Db } from '../db/openDatabase.ts'
import { ledgerEntries, ledgerTransactions } from '../db/schema/ledger.ts'
import { spendLimits } from '../db/schema/spendLimits.ts'
import { UserError } from '../errors/AppError.ts'
import { announceSecurityChange, assertNotFrozen, securityHoldMs } from '../identity/AccountSecurity.ts'
import { available, escrow } from '../ledger/balanceKeys.ts'
import type { TokenUnits } from '../ledger/TokenUnits.ts'
import { utcMinute } from '../time/utcMinute.ts'

/** Postings that commit money to rentals: a confirm's escrow and every extension (manual or auto). */
const COMMITTING_KINDS = ['rental.escrow', 'rental.extend']
/** Settlements whose refund of unused time gives back what was committed. */
const SETTLING_KINDS = ['rental.stopped', 'rental.failed', 'rental.expired', 'rental.completed']

export interface SpendLimitStatus {
  /** Undefined when the account has no limit. */
  cap?: bigint
  /** A raise or removal waiting out the security hold (cap undefined: removal). */
  pending?: { cap?: bigint; from: number }
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
 *  that came back was not spent), netted rental by rental and never below zero
 *  for one: the refund of a rental committed last month buys no headroom now. */
export function committedThisMonth(db: Db, accountId: number, now: number): bigint {
  const { start, next } = utcMonth(now)
  const rows = db
    .select({ kind: ledgerTransactions.kind, idempotencyKey: ledgerTransactions.idempotencyKey, amount: ledgerEntries.amount })
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
  const perRental = new Map<string, bigint>()
  for (const row of rows) {
    // Rental postings are keyed `rental.<step>:<rental id>[:…]` (Rentals).
    const rental = row.idempotencyKey.split(':')[1]!
    const signed = COMMITTING_KINDS.includes(row.kind) ? BigInt(row.amount) : -BigInt(row.amount)
    perRental.set(rental, (perRental.get(rental) ?? 0n) + signed)
  }
  let committed = 0n
  for (const net of perRental.values()) if (net > 0n) committed += net
  return committed
}

/** The cap in force at `now` (undefined: none) and a loosening still waiting then, from one read. */
export function spendLimitAt(db: Db, accountId: number, now: number): { cap?: bigint; pending?: { cap?: bigint; from: number } } {
  const row = db.select().from(spendLimits).where(eq(spendLimits.accountId, accountId)).get()
  if (!row) return {}
  const waiting = row.pendingFrom !== null && row.pendingFrom > now
  const inForce = row.pendingFrom === null || waiting ? row.monthlyCap : row.pendingCap
  return {
    cap: inForce === null ? undefined : BigInt(inForce),
    pending: waiting ? { cap: row.pendingCap === null ? undefined : BigInt(row.pendingCap), from: row.pendingFrom! } : undefined,
  }
}

/** The cap in force at `now`; undefined when the account has none. */
export function spendLimitOf(db: Db, accountId: number, now: number): bigint | undefined {
  return spendLimitAt(db, accountId, now).cap
}

/** Call inside the transaction that commits `amount` (confirm, extend), so two
 *  concurrent commitments cannot both fit under the cap.
 *  @throws UserError naming the limit, what is committed this month and the amount asked */
export function assertWithinSpendLimit(db: Db, units: TokenUnits, { accountId, amount, now }: { accountId: number; amount: bigint; now: number }): void {
  const cap = spendLimitOf(db, accountId, now)
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

/** What a change did: in force now, waiting out the security hold until `from`, or nothing. */
export type SpendLimitChange = { applied: 'now' } | { applied: 'later'; from: number } | { applied: 'nothing' }

/** /limits: a renter's own monthly cap. Setting a first cap or lowering one
 *  only protects, so it applies at once and quietly (and cancels a waiting
 *  loosening). Raising or removing it is what someone holding a stolen chat
 *  account would do: it waits out the security hold (security_hold_hours),
 *  and every identity of the account is told at once, with a Freeze button
 *  (a freeze drops the waiting change). */
export class SpendLimits {
  constructor(private readonly deps: SpendLimitsDeps) {}

  status(accountId: number): SpendLimitStatus {
    const { db, clock } = this.deps
    const now = clock()
    const { start, next } = utcMonth(now)
    return {
      ...spendLimitAt(db, accountId, now),
      committed: committedThisMonth(db, accountId, now),
      monthStart: start,
      nextMonthStart: next,
    }
  }

  /** Sets the cap: at once when it is a first cap or not above the one in force, else after the hold. */
  set(accountId: number, cap: bigint): SpendLimitChange {
    const { db, units, clock } = this.deps
    const now = clock()
    return db.transaction((tx) => {
      const current = spendLimitOf(tx, accountId, now)
      if (current === undefined || cap <= current) {
        writeLimit(tx, { accountId, cap, now })
        return { applied: 'now' }
      }
      // A freeze drops a waiting loosening; a frozen account must not queue a new one to outlast it.
      assertNotFrozen(tx, accountId, 'loosening your spend limit')
      const from = now + securityHoldMs(tx)
      writeLimit(tx, { accountId, cap: current, pending: { cap, from }, now })
      announceLoosening(tx, { accountId, now, detail: `Your monthly spend limit will be raised from ${units.display(current)} to ${units.display(cap)} at ${utcMinute(from)}.` })
      return { applied: 'later', from }
    })
  }

  /** Removes the cap once the hold has passed. */
  remove(accountId: number): Exclude<SpendLimitChange, { applied: 'now' }> {
    const { db, units, clock } = this.deps
    const now = clock()
    return db.transaction((tx) => {
      const current = spendLimitOf(tx, accountId, now)
      if (current === undefined) return { applied: 'nothing' }
      assertNotFrozen(tx, accountId, 'loosening your spend limit')
      const from = now + securityHoldMs(tx)
      writeLimit(tx, { accountId, cap: current, pending: { from }, now })
      announceLoosening(tx, { accountId, now, detail: `Your monthly spend limit of ${units.display(current)} will be removed at ${utcMinute(from)}.` })
      return { applied: 'later', from }
    })
  }
}

/** Writes the cap in force and the loosening waiting (none without `pending`). */
function writeLimit(db: Db, { accountId, cap, pending, now }: { accountId: number; cap: bigint; pending?: { cap?: bigint; from: number }; now: number }): void {
  const values = { monthlyCap: cap.toString(), pendingCap: pending?.cap?.toString() ?? null, pendingFrom: pending?.from ?? null, updatedAt: now }
  db.insert(spendLimits)
    .values({ accountId, ...values })
    .onConflictDoUpdate({ target: spendLimits.accountId, set: values })
    .run()
}

/** Told like a security change, without the withdrawal hold: a looser cap moves no money off the platform. */
function announceLoosening(db: Db, { accountId, now, detail }: { accountId: number; now: number; detail: string }): void {
  const text = `${detail} If this was not you, press Freeze my account now: it stops renting, extending, withdrawals and bot signing, and cancels this change.`
  announceSecurityChange(db, { accountId, kind: 'spend_limit_loosened', detail, text, now, title: 'Spend limit loosening' })
}
