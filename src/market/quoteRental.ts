import { and, asc, desc, eq, lte, sql } from 'drizzle-orm'
import type { Db } from '../db/openDatabase.ts'
import { nodeGpus, nodes, type NodeGpu } from '../db/schema/market.ts'
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

export interface QuoteDeps {
  ledger: Ledger
  units: TokenUnits
  clock: () => number
  offers: OfferQuery
}

/** The cheapest listed node that can host all `gpuCount` GPUs together, ties broken by reliability.
 *  @throws NoCapacityError */
export function quoteRental(deps: QuoteDeps, params: QuoteParameters): Quote {
  const offer = deps.offers.cheapest(params)
  const what = `${params.gpuCount}× ${params.model}${params.region ? ` in ${params.region}` : ''}${params.maxPrice !== undefined ? ` at or under ${deps.units.display(params.maxPrice)}/GPU-hour` : ''}`
  if (!offer) throw new NoCapacityError(what)
  return quoteFrom(deps, offer, params)
}

/** The quote on one offer (a node_gpus row) for `gpuCount` GPUs over `hours`:
 *  its price times both, and the renter's balance after paying it. Shared by
 *  the cheapest-fit quote and /rent node:<id> (quoteNode.ts). */
export function quoteFrom(
  deps: Pick<QuoteDeps, 'ledger' | 'clock'>,
  offer: Pick<NodeGpu, 'nodeId' | 'region' | 'reliability' | 'model' | 'pricePerGpuHour'>,
  params: { accountId: number; gpuCount: number; hours: number },
): Quote {
  const price = BigInt(offer.pricePerGpuHour)
  const total = price * BigInt(params.gpuCount) * BigInt(params.hours)
  return {
    nodeId: offer.nodeId,
    region: offer.region,
    reliability: offer.reliability,
    model: offer.model,
    gpuCount: params.gpuCount,
    hours: params.hours,
    pricePerGpuHour: price,
    total,
    balanceAfter: deps.ledger.balance(available(params.accountId)) - total,
    expiresAt: deps.clock() + QUOTE_TTL_MS,
  }
}

type OfferFilters = { model: string; gpuCount: number; region?: string; maxPriceSort?: string; excludeProviderOf?: string }

/** The quote's query, prepared once per filter shape (region, price cap,
 *  excluded provider): at 100,000 nodes, building and compiling it for every
 *  quote cost more than running it. It walks node_gpus_quote, whose columns
 *  are the equalities then the whole ORDER BY, so the first row with enough
 *  free GPUs is the answer, with no sort (test/market/quotePlan.test.ts). */
export class OfferQuery {
  private readonly prepared = new Map<string, ReturnType<OfferQuery['prepare']>>()

  constructor(private readonly db: Db) {}

  /** The cheapest listed offer of `model` with `gpuCount` GPUs free on one node, within the filters. */
  cheapest(params: QuoteParameters): NodeGpu | undefined {
    const filters: OfferFilters = {
      model: params.model,
      gpuCount: params.gpuCount,
      region: params.region || undefined,
      maxPriceSort: params.maxPrice === undefined ? undefined : priceSortKey(params.maxPrice),
      excludeProviderOf: params.excludeProviderOf || undefined,
    }
    const shape = `${filters.region !== undefined}${filters.maxPriceSort !== undefined}${filters.excludeProviderOf !== undefined}`
    let query = this.prepared.get(shape)
    if (!query) this.prepared.set(shape, (query = this.prepare(filters)))
    return query.get(filters)
  }

  /** Only which filters are present shapes the statement; their values are placeholders. */
  private prepare(filters: OfferFilters) {
    const conditions = [eq(nodeGpus.online, true), eq(nodeGpus.model, sql.placeholder('model')), sql`${nodeGpus.total} - ${nodeGpus.allocated} >= ${sql.placeholder('gpuCount')}`]
    if (filters.region !== undefined) conditions.push(eq(nodeGpus.region, sql.placeholder('region')))
    if (filters.maxPriceSort !== undefined) conditions.push(lte(nodeGpus.priceSort, sql.placeholder('maxPriceSort')))
    if (filters.excludeProviderOf !== undefined) {
      conditions.push(
        sql`${nodeGpus.nodeId} not in (select ${nodes.id} from ${nodes} where ${nodes.providerId} = (select ${nodes.providerId} from ${nodes} where ${nodes.id} = ${sql.placeholder('excludeProviderOf')}))`,
      )
    }
    return this.db
      .select()
      .from(nodeGpus)
      .where(and(...conditions))
      .orderBy(asc(nodeGpus.priceSort), desc(nodeGpus.reliability), asc(nodeGpus.nodeId))
      .limit(1)
      .prepare()
  }
}
