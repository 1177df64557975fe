import { and, desc, eq, isNull, sql } from 'drizzle-orm'
import { nodes, providers, slashes, unbondings, type Rental } from '../db/schema/market.ts'
import { wallets } from '../db/schema/wallets.ts'
import { available, bond, system, unbonding, type BalanceKey } from '../ledger/balanceKeys.ts'
import { enqueueNotification } from '../notify/enqueueNotification.ts'
import type { ProviderMoneyDeps } from './Bonds.ts'
import { utcMinute } from '../time/utcMinute.ts'

export type SlashingDeps = ProviderMoneyDeps

export interface SlashRecord {
  kind: 'fraud' | 'failure'
  amount: bigint
  reason: string
  nodeId: string | null
  rentalId: string | null
  createdAt: number
}

/** Takes from a provider's stake (bond, then unbonding not yet released) for
 *  fraud (to the rewards pool) or a rental its node abandoned (to the renter).
 *  Call inside the transaction that found the cause; each slash is one
 *  ledger transaction keyed by its cause, so a retry takes nothing twice. */
export class Slashing {
  constructor(private readonly deps: SlashingDeps) {}

  /** A verified node failed a challenge: slash_fraud_bps of the provider
   *  account's whole stake goes to the rewards pool, and the provider is
   *  unlisted for slash_cooldown_hours. `challengeId` keys the slash (else the node and time).
   *  @returns the amount taken (0n when there was no stake or it was already slashed) */
  slashForFraud({ nodeId, reason, challengeId }: { nodeId: string; reason: string; challengeId?: string }): bigint {
    const { db, ledger, units, params, clock } = this.deps
    const now = clock()
    return db.transaction((tx) => {
      const owner = this.ownerOf(nodeId)
      if (!owner) return 0n
      const stake = ledger.balance(bond(owner.accountId)) + ledger.balance(unbonding(owner.accountId))
      const amount = (stake * BigInt(params.getNumber('slash_fraud_bps'))) / 10_000n
      const idempotencyKey = `slash.fraud:${challengeId ?? `${nodeId}:${now}`}`
      const until = now + params.getNumber('slash_cooldown_hours') * 3600_000
      const applied = this.take({ accountId: owner.accountId, amount, to: system('rewards_pool'), kind: 'slash.fraud', idempotencyKey, memo: reason, now })
      if (!applied) {
        // Nothing at stake: nothing to take, but bonding later must not list a cheater at once.
        if (amount === 0n) this.unlist(owner, until)
        return 0n
      }
      this.unlist(owner, until)
      tx.insert(slashes).values({ providerId: owner.providerId, accountId: owner.accountId, kind: 'fraud', amount: amount.toString(), reason, nodeId, createdAt: now }).run()
      enqueueNotification(tx, {
        dedupeKey: idempotencyKey,
        accountId: owner.accountId,
        topic: 'provider',
        reply: {
          title: 'Your bond was slashed',
          text: `Node ${nodeId} failed a compute challenge (${reason}): ${units.display(amount)} of your bond went to the rewards pool, and your nodes are unlisted until ${utcMinute(until)}.`,
        },
        now,
      })
      return amount
    })
  }

  /** A rental failed because its node vanished or never started it: the renter
   *  gets slash_failure_bps of its cost from the provider's stake, as much as
   *  there is (the caller tells the renter, beside the refund).
   *  @returns the amount paid to the renter */
  compensateFailure(rental: Rental, reason: string): bigint {
    const { db, ledger, units, params, clock, listing } = this.deps
    const now = clock()
    return db.transaction((tx) => {
      const owner = this.ownerOf(rental.nodeId)
      if (!owner) return 0n
      const due = (BigInt(rental.escrowed) * BigInt(params.getNumber('slash_failure_bps'))) / 10_000n
      const stake = ledger.balance(bond(owner.accountId)) + ledger.balance(unbonding(owner.accountId))
      const amount = due < stake ? due : stake
      const idempotencyKey = `slash.failure:${rental.id}`
      if (!this.take({ accountId: owner.accountId, amount, to: available(rental.accountId), kind: 'slash.failure', idempotencyKey, memo: reason, now })) return 0n
      tx.insert(slashes)
        .values({ providerId: owner.providerId, accountId: owner.accountId, kind: 'failure', amount: amount.toString(), reason, nodeId: rental.nodeId, rentalId: rental.id, createdAt: now })
        .run()
      listing.refreshAccount(owner.accountId)
      enqueueNotification(tx, {
        dedupeKey: idempotencyKey,
        accountId: owner.accountId,
        topic: 'provider',
        reply: { title: 'Your bond paid a renter', text: `Rental ${rental.id} on node ${rental.nodeId} failed because ${reason}: ${units.display(amount)} of your bond went to the renter.` },
        now,
      })
      return amount
    })
  }

  /** The account's slashes, newest first, for /provider. */
  history(accountId: number, limit = 5): SlashRecord[] {
    return this.deps.db
      .select({ kind: slashes.kind, amount: slashes.amount, reason: slashes.reason, nodeId: slashes.nodeId, rentalId: slashes.rentalId, createdAt: slashes.createdAt })
      .from(slashes)
      .where(eq(slashes.accountId, accountId))
      .orderBy(desc(slashes.createdAt), desc(slashes.id))
      .limit(limit)
      .all()
      .map((r) => ({ ...r, amount: BigInt(r.amount) }))
  }

  /** Posts `amount` from bond first, then from pending unbondings (latest
   *  release first, their rows reduced to match). False if already posted. */
  private take({ accountId, amount, to, kind, idempotencyKey, memo, now }: { accountId: number; amount: bigint; to: BalanceKey; kind: string; idempotencyKey: string; memo: string; now: number }): boolean {
    const { db, ledger } = this.deps
    if (amount <= 0n) return false
    const bonded = ledger.balance(bond(accountId))
    const fromBond = amount < bonded ? amount : bonded
    let fromUnbonding = amount - fromBond
    const entries = [{ key: to, amount }, { key: bond(accountId), amount: -fromBond }, { key: unbonding(accountId), amount: -fromUnbonding }].filter((e) => e.amount !== 0n)
    const { applied } = ledger.post({ kind, idempotencyKey, entries, memo, now })
    if (!applied) return false
    const pending = db
      .select({ id: unbondings.id, amount: unbondings.amount })
      .from(unbondings)
      .where(and(eq(unbondings.accountId, accountId), isNull(unbondings.releasedAt)))
      .orderBy(desc(unbondings.releaseAt), desc(unbondings.id))
      .all()
    for (const row of pending) {
      if (fromUnbonding === 0n) break
      const cut = BigInt(row.amount) < fromUnbonding ? BigInt(row.amount) : fromUnbonding
      db.update(unbondings).set({ amount: (BigInt(row.amount) - cut).toString() }).where(eq(unbondings.id, row.id)).run()
      fromUnbonding -= cut
    }
    return true
  }

  /** The provider's nodes leave the market until `until` (never shortened by a later, smaller cooldown). */
  private unlist(owner: { providerId: number; accountId: number }, until: number): void {
    const { db, listing } = this.deps
    db.update(providers)
      .set({ unlistedUntil: sql`max(coalesce(${providers.unlistedUntil}, 0), ${until})` })
      .where(eq(providers.id, owner.providerId))
      .run()
    listing.refreshAccount(owner.accountId)
  }

  private ownerOf(nodeId: string): { providerId: number; accountId: number } | undefined {
    return this.deps.db
      .select({ providerId: providers.id, accountId: wallets.accountId })
      .from(nodes)
      .innerJoin(providers, eq(providers.id, nodes.providerId))
      .innerJoin(wallets, eq(wallets.address, providers.address))
      .where(eq(nodes.id, nodeId))
      .get()
  }
}
