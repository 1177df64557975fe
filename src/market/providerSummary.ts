import { eq, inArray } from 'drizzle-orm'
import type { Db } from '../db/openDatabase.ts'
import { nodeGpus, nodes, providers, rentals } from '../db/schema/market.ts'
import { wallets } from '../db/schema/wallets.ts'
import { nodeIdsOfAccount } from './nodeOwnership.ts'

export interface ProviderNodeSummary {
  id: string
  region: string
  online: boolean
  /** Searchable now: online, verified, current, bonded, not in a slash cooldown. */
  listed: boolean
  verification: 'pending' | 'verified' | 'failed'
  verifiedAt: number | null
  /** Challenge speed against the model's expected throughput, in basis points. */
  measuredSpeedBps: number | null
  /** A declared (--gpus) inventory: its small CPU challenge says nothing about speed. */
  simulated: boolean
  verificationFailure: string | null
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
  const gpus = db.select().from(nodeGpus).where(inArray(nodeGpus.nodeId, nodeIdsOfAccount(db, accountId))).all()
  const rentalRows = db
    .select({ nodeId: rentals.nodeId, status: rentals.status, charged: rentals.charged, fee: rentals.fee })
    .from(rentals)
    .where(inArray(rentals.nodeId, nodeIdsOfAccount(db, accountId)))
    .all()
  return mine.map((node) => {
    const own = rentalRows.filter((r) => r.nodeId === node.id)
    return {
      id: node.id,
      region: node.region,
      online: node.online,
      listed: node.listed,
      verification: node.verification,
      verifiedAt: node.verifiedAt,
      measuredSpeedBps: node.measuredSpeedBps,
      simulated: node.simulated,
      verificationFailure: node.verificationFailure,
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
