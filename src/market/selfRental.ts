import { and, eq } from 'drizzle-orm'
import type { Db } from '../db/openDatabase.ts'
import { nodes, providers } from '../db/schema/market.ts'
import { wallets } from '../db/schema/wallets.ts'
import { UserError } from '../errors/AppError.ts'

/** A provider renting its own node pays itself (less the fee) to have its GPUs
 *  count as served, which weigh more in the epoch emission: refused, so served
 *  hours are paid for by someone else. Checked inside the confirm transaction. */
export function assertNotOwnNode(db: Db, accountId: number, nodeId: string): void {
  const own = db
    .select({ id: nodes.id })
    .from(nodes)
    .innerJoin(providers, eq(providers.id, nodes.providerId))
    .innerJoin(wallets, eq(wallets.address, providers.address))
    .where(and(eq(nodes.id, nodeId), eq(wallets.accountId, accountId)))
    .get()
  if (own) throw new UserError(`Node ${nodeId} is one of your own; renting it would only pay you, so it is refused. /offers lists other nodes.`, 'SELF_RENTAL')
}
