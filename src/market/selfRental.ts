import type { Db } from '../db/openDatabase.ts'
import { UserError } from '../errors/AppError.ts'
import { nodeOwnerAccount } from './nodeOwnership.ts'

/** A provider renting its own node pays itself (less the fee) to have its GPUs
 *  count as served, which weigh more in the epoch emission: refused, so served
 *  hours are paid for by someone else. Checked inside the confirm transaction. */
export function assertNotOwnNode(db: Db, accountId: number, nodeId: string): void {
  if (nodeOwnerAccount(db, nodeId) === accountId) throw new UserError(`Node ${nodeId} is one of your own; renting it would only pay you, so it is refused. /offers lists other nodes.`, 'SELF_RENTAL')
}
