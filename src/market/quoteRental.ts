import { and, asc, desc, eq, lte, sql } from 'drizzle-orm'
import type { Db } from '../db/openDatabase.ts'
import { nodeGpus, nodes } from '../db/schema/market.ts'
import { available } from '../ledger/balanceKeys.ts'
import type { Ledger } from '../ledger/Ledger.ts'
import type { TokenUnits } from '../ledger/TokenUnits.ts'
import { NoCapacityError } from './MarketErrors.ts'
import { priceSortKey } from './NodeRegistry.ts'

export const QUOTE_TTL_MS = 2 * 60_000

export interface Quote {
  nodeId: string
  region: string
  reliability: number
  model: string
  gpuCount: number
  hours: number
  pricePerGpuHour: bigint
  total: bigint
  balanceAfter: bigint
  expiresAt: number
}

/** What a quote button carries server-side (bigints as strings for JSON). */
export interface QuotePayload {
  nodeId: string
  model: string
  gpuCount: number
  hours: number
  pricePerGpuHour: string
  expiresAt: number
}

export interface QuoteParameters {
  accountId: number
  model: string
  hours: number
  gpuCount: number
  maxPrice?: bigint
  region?: string
  /** A node whose whole provider is skipped (re-placement after that provider failed). */
  excludeProviderOf?: string
}

/** The cheapest listed node that can host all `gpuCount` GPUs together, ties broken by reliability.
 *  @throws NoCapacityError */
export function quoteRental(deps: { db: Db; ledger: Ledger; units: TokenUnits; clock: () => number }, params: QuoteParameters): Quote {
  const offer = findOffer(deps.db, params)
  const what = `${params.gpuCount}× ${params.model}${params.region ? ` in ${params.region}` : ''}${params.maxPrice !== undefined ? ` at or under ${deps.units.format(params.maxPrice)}/GPU-hour` : ''}`
  if (!offer) throw new NoCapacityError(what)
  const price = BigInt(offer.pricePerGpuHour)
  const total = price * BigInt(params.gpuCount) * BigInt(params.hours)
  return {
    nodeId: offer.nodeId,
    region: offer.region,
    reliability: offer.reliability,
    model: params.model,
    gpuCount: params.gpuCount,
    hours: params.hours,
    pricePerGpuHour: price,
    total,
    balanceAfter: deps.ledger.balance(available(params.accountId)) - total,
    expiresAt: deps.clock() + QUOTE_TTL_MS,
  }
}

function findOffer(db: Db, params: QuoteParameters) {
  const conditions = [eq(nodeGpus.online, true), eq(nodeGpus.model, params.model), sql`${nodeGpus.total} - ${nodeGpus.allocated} >= ${params.gpuCount}`]
  if (params.region) conditions.push(eq(nodeGpus.region, params.region))
  if (params.maxPrice !== undefined) conditions.push(lte(nodeGpus.priceSort, priceSortKey(params.maxPrice)))
  if (params.excludeProviderOf) {
    conditions.push(
      sql`${nodeGpus.nodeId} not in (select ${nodes.id} from ${nodes} where ${nodes.providerId} = (select ${nodes.providerId} from ${nodes} where ${nodes.id} = ${params.excludeProviderOf}))`,
    )
  }
  return db
    .select()
    .from(nodeGpus)
    .where(and(...conditions))
    .orderBy(asc(nodeGpus.priceSort), desc(nodeGpus.reliability), asc(nodeGpus.nodeId))
    .limit(1)
    .get()
}
