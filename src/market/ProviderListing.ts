import { and, asc, eq, sql } from 'drizzle-orm'
import type { Db } from '../db/openDatabase.ts'
import { nodeGpus, nodes, providers } from '../db/schema/market.ts'
import { wallets } from '../db/schema/wallets.ts'
import type { ProtocolParameters } from '../governance/ProtocolParameters.ts'
import { bond } from '../ledger/balanceKeys.ts'
import type { Ledger } from '../ledger/Ledger.ts'

export interface ProviderListingDeps {
  db: Db
  ledger: Ledger
  params: ProtocolParameters
  clock: () => number
  /** SIMULATED_PROVIDERS=allow: declared (--gpus) inventories may be listed. */
  simulatedAllowed: boolean
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
    const { db, ledger, params, clock, simulatedAllowed } = this.deps
    const now = clock()
    const perGpu = params.getBigInt('provider_bond_per_gpu')
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
      const eligible =
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
    const owner = this.deps.db
      .select({ accountId: wallets.accountId })
      .from(nodes)
      .innerJoin(providers, eq(providers.id, nodes.providerId))
      .innerJoin(wallets, eq(wallets.address, providers.address))
      .where(eq(nodes.id, nodeId))
      .get()
    if (owner) this.refreshAccount(owner.accountId)
  }

  private setListed(nodeId: string, listed: boolean, online: boolean, wasListed: boolean): void {
    const { db } = this.deps
    if (listed !== wasListed) db.update(nodes).set({ listed }).where(eq(nodes.id, nodeId)).run()
    const searchable = listed && online
    db.update(nodeGpus)
      .set({ online: searchable })
      .where(and(eq(nodeGpus.nodeId, nodeId), sql`${nodeGpus.online} <> ${searchable ? 1 : 0}`))
      .run()
  }
}
