import { eq } from 'drizzle-orm'
import type { Db } from '../db/openDatabase.ts'
import { nodeGpus } from '../db/schema/market.ts'
import { UserError } from '../errors/AppError.ts'
import { echoInput } from '../errors/echoInput.ts'
import type { Ledger } from '../ledger/Ledger.ts'
import type { TokenUnits } from '../ledger/TokenUnits.ts'
import { quoteFrom, type Quote } from './quoteRental.ts'

/** /rent node:<id>: the renter picked the node from /offers. */
export interface NodeQuoteParameters {
  accountId: number
  nodeId: string
  /** Needed only when the node offers more than one model. */
  model?: string
  hours: number
  gpuCount: number
  maxPrice?: bigint
  region?: string
}

export interface NodeQuoteDeps {
  db: Db
  ledger: Ledger
  units: TokenUnits
  clock: () => number
}

/** A node that is not listed (unknown, pending, failed, offline, unbonded) gets
 *  the same sentence as one that does not exist: /offers shows only listed
 *  nodes, so a quote must not tell anyone more about the others. */
export class NodeNotListedError extends UserError {
  constructor(nodeId: string) {
    super(`No listed node is called "${echoInput(nodeId)}"; /offers lists the nodes you can rent.`, 'NODE_NOT_LISTED')
  }
}

/** A quote on exactly that node: the Confirm that follows allocates there or
 *  fails, never on another node (Rentals.confirm checks the quoted node only).
 *  @throws NodeNotListedError, UserError (model, count, price or region do not fit) */
export function quoteNode(deps: NodeQuoteDeps, params: NodeQuoteParameters): Quote {
  const { db, units } = deps
  // `online` on node_gpus means searchable: online and listed (verified, current, bonded). Read by
  // the node's key and filtered here: with `online = ?` in the WHERE SQLite walks every listed row
  // by an online-first index (as AvailabilityAlerts found; test/market/quotePlan.test.ts).
  const offers = db
    .select()
    .from(nodeGpus)
    .where(eq(nodeGpus.nodeId, params.nodeId))
    .all()
    .filter((offer) => offer.online)
    .sort((a, b) => (a.model < b.model ? -1 : a.model > b.model ? 1 : 0))
  if (offers.length === 0) throw new NodeNotListedError(params.nodeId)
  const id = offers[0]!.nodeId
  const models = offers.map((o) => o.model).join(', ')
  if (params.model === undefined && offers.length > 1) {
    throw new UserError(`Node ${id} offers ${models}: add model:<model> to choose one.`, 'MODEL_NEEDED')
  }
  const offer = params.model === undefined ? offers[0]! : offers.find((o) => o.model === params.model)
  if (!offer) throw new UserError(`Node ${id} has no ${params.model}; it offers ${models}.`, 'MODEL_NOT_ON_NODE')
  const free = offer.total - offer.allocated
  if (free < params.gpuCount) {
    throw new UserError(`Node ${id} has ${free}× ${offer.model} free, not ${params.gpuCount}; /offers shows what is free now.`, 'NOT_ENOUGH_FREE')
  }
  const price = BigInt(offer.pricePerGpuHour)
  if (params.maxPrice !== undefined && price > params.maxPrice) {
    throw new UserError(`Node ${id} asks ${units.display(price)} per GPU-hour, over your max_price of ${units.display(params.maxPrice)}.`, 'OVER_MAX_PRICE')
  }
  if (params.region !== undefined && params.region !== offer.region) {
    throw new UserError(`Node ${id} is in ${offer.region}, not ${echoInput(params.region)}; leave region out when you choose a node.`, 'REGION_MISMATCH')
  }
  return quoteFrom(deps, offer, params)
}
