import { eq, sql } from 'drizzle-orm'
import type { Address } from 'viem'
import type { Db } from '../db/openDatabase.ts'
import { nodes, providers } from '../db/schema/market.ts'

/** A provider wallet stays linked while it has nodes: their earnings and rewards
 *  are paid to the account that owns it. Returns the reason, or undefined. */
export function providerUnlinkBlocker(db: Db, address: Address): string | undefined {
  const row = db
    .select({ nodes: sql<number>`count(${nodes.id})` })
    .from(providers)
    .leftJoin(nodes, eq(nodes.providerId, providers.id))
    .where(eq(providers.address, address))
    .get()
  if (row && row.nodes > 0) return `${address} is the wallet of ${row.nodes} provider node${row.nodes === 1 ? '' : 's'}; their earnings are paid to it, so it stays linked.`
  return undefined
}
