import { eq, inArray } from 'drizzle-orm'
import type { Db } from '../db/openDatabase.ts'
import { nodeGpus, nodes, providers, rentals } from '../db/schema/market.ts'
import { wallets } from '../db/schema/wallets.ts'

export interface ProviderNodeSummary {
  id: string
  region: string
  online: boolean
  reliability: number
  gpus: string
  activeRentals: number
  earned: bigint
}

/** A provider's nodes as /provider shows them, for every wallet of the account. */
export function providerSummary(db: Db, accountId: number): ProviderNodeSummary[] {
  const mine = db
    .select({ node: nodes })
    .from(nodes)
    .innerJoin(providers, eq(providers.id, nodes.providerId))
    .innerJoin(wallets, eq(wallets.address, providers.address))
    .where(eq(wallets.accountId, accountId))
    .orderBy(nodes.registeredAt)
    .all()
    .map((r) => r.node)
  if (mine.length === 0) return []
  const ids = mine.map((n) => n.id)
  const gpus = db.select().from(nodeGpus).where(inArray(nodeGpus.nodeId, ids)).all()
  const rentalRows = db
    .select({ nodeId: rentals.nodeId, status: rentals.status, charged: rentals.charged, fee: rentals.fee })
    .from(rentals)
    .where(inArray(rentals.nodeId, ids))
    .all()
  return mine.map((node) => {
    const own = rentalRows.filter((r) => r.nodeId === node.id)
    return {
      id: node.id,
      region: node.region,
      online: node.online,
      reliability: node.reliability,
      gpus: gpus
        .filter((g) => g.nodeId === node.id)
        .map((g) => `${g.total - g.allocated}/${g.total} ${g.model}`)
        .join(', '),
      activeRentals: own.filter((r) => ['pending', 'provisioning', 'running'].includes(r.status)).length,
      earned: own.reduce((sum, r) => sum + BigInt(r.charged ?? '0') - BigInt(r.fee ?? '0'), 0n),
    }
  })
}
