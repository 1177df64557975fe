import { and, asc, eq, isNotNull, lte, sql } from 'drizzle-orm'
import type { Db } from '../db/openDatabase.ts'
import { nodeGpus, nodes, providers } from '../db/schema/market.ts'
import { wallets } from '../db/schema/wallets.ts'
import type { ProtocolParameters } from '../governance/ProtocolParameters.ts'
import { bond } from '../ledger/balanceKeys.ts'
import type { Ledger } from '../ledger/Ledger.ts'
import type { TokenUnits } from '../ledger/TokenUnits.ts'
import { nodeOwnerAccount } from './nodeOwnership.ts'

export interface ProviderListingDeps {
  db: Db
  ledger: Ledger
  params: ProtocolParameters
  units: TokenUnits
  clock: () => number
  /** SIMULATED_PROVIDERS=allow: declared (--gpus) inventories may be listed. */
  simulatedAllowed: boolean
  /** A node's GPUs just became searchable (availability alerts). Called inside
   *  the caller's transaction: defer any work that must see it committed. */
  onSearchable?: (nodeId: string) => void
}

/** The governed bond per listed GPU, in base units (the parameter is in tokens). */
export function bondPerGpu(params: ProtocolParameters, units: TokenUnits): bigint {
  return units.parse(params.get('provider_bond_per_gpu'), 'provider_bond_per_gpu', { allowZero: true })
}

/** How long a passed challenge keeps a node listed: the interval plus one hour of grace. */
export function verificationLifetimeMs(params: ProtocolParameters): number {
  return (params.getNumber('verification_interval_hours') + 1) * 3600_000
}

/** The one rule for what the market shows: a node is listed when it is
 *  online, verified recently, its provider is not unlisted after a slash, and
 *  the account's bond covers its GPUs (nodes in registration order). Listed
 *  nodes' node_gpus rows are the searchable ones (`online` there). */
export class ProviderListing {
  constructor(private readonly deps: ProviderListingDeps) {}

  /** Recomputes every node of every provider wallet of the account. Call inside
   *  the transaction that changed a bond, a verification or a node's state. */
  refreshAccount(accountId: number): void {
    const { db, ledger, params, units, clock, simulatedAllowed } = this.deps
    const now = clock()
    const perGpu = bondPerGpu(params, units)
    const bonded = ledger.balance(bond(accountId))
    const oldest = now - verificationLifetimeMs(params)
    const rows = db
      .select({ id: nodes.id, online: nodes.online, listed: nodes.listed, verification: nodes.verification, verifiedAt: nodes.verifiedAt, verifiedGpus: nodes.verifiedGpus, simulated: nodes.simulated, unlistedUntil: providers.unlistedUntil, declared: sql<number>`(select coalesce(sum(total), 0) from node_gpus where node_id = ${nodes.id})` })
      .from(nodes)
      .innerJoin(providers, eq(providers.id, nodes.providerId))
      .innerJoin(wallets, eq(wallets.address, providers.address))
      .where(eq(wallets.accountId, accountId))
      .orderBy(asc(nodes.registeredAt), asc(nodes.id))
      .all()
    let covered = 0n
    for (const row of rows) {
      const gpus = BigInt(Math.min(row.declared, row.verifiedGpus))
      // Offline nodes hold no bond: the bond lists the GPUs a renter can reach now.
      const eligible =
        row.online &&
        row.verification === 'verified' &&
        row.verifiedAt !== null &&
        row.verifiedAt > oldest &&
        gpus > 0n &&
        (row.unlistedUntil === null || row.unlistedUntil <= now) &&
        (!row.simulated || simulatedAllowed)
      const affordable = eligible && (covered + gpus) * perGpu <= bonded
      if (affordable) covered += gpus
      this.setListed(row.id, affordable, row.online, row.listed)
    }
  }

  /** Refreshes the account owning a node's provider wallet. */
  refreshNode(nodeId: string): void {
    const owner = nodeOwnerAccount(this.deps.db, nodeId)
    if (owner !== undefined) this.refreshAccount(owner)
  }

  /** The periodic sweep: accounts with a listed node whose verification
   *  lapsed, or whose slash cooldown ended. Both are indexed range reads that
   *  shrink as they are handled (a lapsed node is unlisted, an ended cooldown
   *  cleared), so a quiet network costs two empty index probes.
   *  @returns the accounts refreshed */
  refreshDue(): number {
    const { db, params, clock } = this.deps
    const now = clock()
    const oldest = now - verificationLifetimeMs(params)
    return db.transaction((tx) => {
      const accounts = new Set<number>()
      const lapsed = tx
        .selectDistinct({ accountId: wallets.accountId })
        .from(nodes)
        .innerJoin(providers, eq(providers.id, nodes.providerId))
        .innerJoin(wallets, eq(wallets.address, providers.address))
        .where(and(eq(nodes.listed, true), lte(nodes.verifiedAt, oldest)))
        .all()
      for (const { accountId } of lapsed) accounts.add(accountId)
      const cooled = tx
        .select({ id: providers.id, accountId: wallets.accountId })
        .from(providers)
        .innerJoin(wallets, eq(wallets.address, providers.address))
        .where(and(isNotNull(providers.unlistedUntil), lte(providers.unlistedUntil, now)))
        .all()
      for (const { id, accountId } of cooled) {
        tx.update(providers).set({ unlistedUntil: null }).where(eq(providers.id, id)).run()
        accounts.add(accountId)
      }
      for (const accountId of accounts) this.refreshAccount(accountId)
      return accounts.size
    })
  }

  private setListed(nodeId: string, listed: boolean, online: boolean, wasListed: boolean): void {
    const { db } = this.deps
    if (listed !== wasListed) db.update(nodes).set({ listed }).where(eq(nodes.id, nodeId)).run()
    const searchable = listed && online
    const changed = db
      .update(nodeGpus)
      .set({ online: searchable })
      .where(and(eq(nodeGpus.nodeId, nodeId), sql`${nodeGpus.online} <> ${searchable ? 1 : 0}`))
      .run()
    if (searchable && changed.changes > 0) this.deps.onSearchable?.(nodeId)
  }
}
