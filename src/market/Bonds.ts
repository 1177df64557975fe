import { randomBytes } from 'node:crypto'
import { and, asc, eq, isNull, lte, sql } from 'drizzle-orm'
import type { Db } from '../db/openDatabase.ts'
import { nodeGpus, nodes, providers, unbondings } from '../db/schema/market.ts'
import { wallets } from '../db/schema/wallets.ts'
import { UserError } from '../errors/AppError.ts'
import type { ProtocolParameters } from '../governance/ProtocolParameters.ts'
import { available, bond, unbonding } from '../ledger/balanceKeys.ts'
import type { Ledger } from '../ledger/Ledger.ts'
import type { TokenUnits } from '../ledger/TokenUnits.ts'
import { enqueueNotification } from '../notify/enqueueNotification.ts'
import { bondPerGpu, type ProviderListing } from './ProviderListing.ts'
import { assertNotFrozen } from '../identity/AccountSecurity.ts'

/** What the bond and slashing services both work with. */
export interface ProviderMoneyDeps {
  db: Db
  ledger: Ledger
  units: TokenUnits
  params: ProtocolParameters
  clock: () => number
  listing: ProviderListing
}

export interface BondsDeps extends ProviderMoneyDeps {
  /** Idempotency keys for bond postings (a bond has no row of its own). */
  newId?: () => string
}

export interface BondSummary {
  bonded: bigint
  perGpu: bigint
  /** Declared GPUs over all the account's nodes. */
  totalGpus: number
  /** GPUs the bond can list: min(total, bond / per-GPU). */
  coveredGpus: number
  /** More bond that would list every GPU (0 when covered). */
  shortfall: bigint
  pending: { amount: bigint; releaseAt: number }[]
}

/** A provider's bond: available → bond on /provider bond; bond → unbonding on
 *  /provider unbond, released to available after unbond_days (slashable meanwhile).
 *  Each change posts to the ledger and refreshes the listing in one transaction. */
export class Bonds {
  constructor(private readonly deps: BondsDeps) {}

  /** @throws UserError for a non-positive amount or one over the available balance */
  bond({ accountId, amount }: { accountId: number; amount: bigint }): bigint {
    const { db, ledger, units, clock, listing } = this.deps
    if (amount <= 0n) throw new UserError(`The bond amount must be more than 0 ${units.symbol}, e.g. /provider bond 100.`, 'BAD_AMOUNT')
    assertNotFrozen(db, accountId, 'bonding')
    const now = clock()
    return db.transaction(
      () => {
        const free = ledger.balance(available(accountId))
        if (free < amount) {
          throw new UserError(`Bonding ${units.display(amount)} needs that much available, but you have ${units.display(free)}; use /deposit to top up.`, 'INSUFFICIENT_BALANCE')
        }
        const key = `provider.bond:${accountId}:${now}:${this.deps.newId?.() ?? randomBytes(6).toString('hex')}`
        ledger.post({ kind: 'provider.bond', idempotencyKey: key, entries: [{ key: available(accountId), amount: -amount }, { key: bond(accountId), amount }], now })
        listing.refreshAccount(accountId)
        return ledger.balance(bond(accountId))
      },
    )
  }

  /** Starts an unbonding that releases after unbond_days; nodes the rest no longer covers are unlisted at once.
   *  @throws UserError for a non-positive amount or one over the bond */
  unbond({ accountId, amount }: { accountId: number; amount: bigint }): { amount: bigint; releaseAt: number } {
    const { db, ledger, units, params, clock, listing } = this.deps
    if (amount <= 0n) throw new UserError(`The unbond amount must be more than 0 ${units.symbol}, e.g. /provider unbond 50.`, 'BAD_AMOUNT')
    const now = clock()
    const releaseAt = now + params.getNumber('unbond_days') * 24 * 3600_000
    return db.transaction(
      (tx) => {
        const bonded = ledger.balance(bond(accountId))
        if (bonded < amount) throw new UserError(`You have ${units.display(bonded)} bonded, so you can unbond at most that.`, 'OVER_BOND')
        const row = tx.insert(unbondings).values({ accountId, amount: amount.toString(), requestedAt: now, releaseAt }).returning({ id: unbondings.id }).get()
        ledger.post({ kind: 'provider.unbond', idempotencyKey: `provider.unbond:${row.id}`, entries: [{ key: bond(accountId), amount: -amount }, { key: unbonding(accountId), amount }], now })
        listing.refreshAccount(accountId)
        return { amount, releaseAt }
      },
    )
  }

  /** Scheduler: returns due unbondings to available. Idempotent: a row is
   *  released once, guarded by releasedAt and keyed by its id in the ledger. */
  releaseDue(): number {
    const { db, ledger, units, clock } = this.deps
    const now = clock()
    const due = db
      .select()
      .from(unbondings)
      .where(and(isNull(unbondings.releasedAt), lte(unbondings.releaseAt, now)))
      .orderBy(asc(unbondings.releaseAt))
      .limit(1000)
      .all()
    let released = 0
    for (const row of due) {
      db.transaction((tx) => {
        const claimed = tx.update(unbondings).set({ releasedAt: now }).where(and(eq(unbondings.id, row.id), isNull(unbondings.releasedAt))).run()
        if (claimed.changes !== 1) return
        // Slashes reduce the rows they take from; the balance caps it all the same, so one odd row never blocks the rest.
        const held = ledger.balance(unbonding(row.accountId))
        const amount = BigInt(row.amount) < held ? BigInt(row.amount) : held
        if (amount > 0n) {
          ledger.post({
            kind: 'provider.unbond.release',
            idempotencyKey: `provider.unbond.release:${row.id}`,
            entries: [{ key: unbonding(row.accountId), amount: -amount }, { key: available(row.accountId), amount }],
            now,
          })
          enqueueNotification(tx, {
            dedupeKey: `provider.unbond.release:${row.id}`,
            accountId: row.accountId,
            topic: 'provider',
            reply: { text: `${units.display(amount)} of your bond finished unbonding and is available again.` },
            now,
          })
        }
        released++
      })
    }
    return released
  }

  summary(accountId: number): BondSummary {
    const { db, ledger, params, units } = this.deps
    const bonded = ledger.balance(bond(accountId))
    const perGpu = bondPerGpu(params, units)
    const totalGpus = Number(
      db
        .select({ n: sql<number>`coalesce(sum(${nodeGpus.total}), 0)` })
        .from(nodeGpus)
        .innerJoin(nodes, eq(nodes.id, nodeGpus.nodeId))
        .innerJoin(providers, eq(providers.id, nodes.providerId))
        .innerJoin(wallets, eq(wallets.address, providers.address))
        .where(eq(wallets.accountId, accountId))
        .get()!.n,
    )
    const coverable = perGpu === 0n ? BigInt(totalGpus) : bonded / perGpu
    const coveredGpus = Number(coverable < BigInt(totalGpus) ? coverable : BigInt(totalGpus))
    const needed = perGpu * BigInt(totalGpus)
    const pending = db
      .select({ amount: unbondings.amount, releaseAt: unbondings.releaseAt })
      .from(unbondings)
      .where(and(eq(unbondings.accountId, accountId), isNull(unbondings.releasedAt)))
      .orderBy(asc(unbondings.releaseAt))
      .all()
      .map((r) => ({ amount: BigInt(r.amount), releaseAt: r.releaseAt }))
      .filter((r) => r.amount > 0n)
    return { bonded, perGpu, totalGpus, coveredGpus, shortfall: needed > bonded ? needed - bonded : 0n, pending }
  }
}
