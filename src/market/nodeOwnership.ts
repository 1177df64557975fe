import { eq } from 'drizzle-orm'
import type { Db } from '../db/openDatabase.ts'
import { nodes, providers } from '../db/schema/market.ts'
import { wallets } from '../db/schema/wallets.ts'

/** The account that owns a node: the one that has linked its provider's
 *  wallet. Node, provider and wallet are each keyed, so there is one at most
 *  (none for an unknown node or a wallet nobody has linked). */
export function nodeOwnerAccount(db: Db, nodeId: string): number | undefined {
  const owned = ownedNodes(db)
  return db.select({ accountId: owned.accountId }).from(owned).where(eq(owned.nodeId, nodeId)).get()?.accountId
}

/** The ids of the nodes an account owns, as a subquery for
 *  `inArray(column, nodeIdsOfAccount(…))`: a large provider's nodes never
 *  become a bound id list that could pass SQLite's variable limit. */
export function nodeIdsOfAccount(db: Db, accountId: number) {
  const owned = ownedNodes(db)
  return db.select({ id: owned.nodeId }).from(owned).where(eq(owned.accountId, accountId))
}

/** Every node with its owner account; SQLite flattens it into the query that reads it. */
function ownedNodes(db: Db) {
  return db
    .select({ nodeId: nodes.id, accountId: wallets.accountId })
    .from(nodes)
    .innerJoin(providers, eq(providers.id, nodes.providerId))
    .innerJoin(wallets, eq(wallets.address, providers.address))
    .as('owned_nodes')
}
