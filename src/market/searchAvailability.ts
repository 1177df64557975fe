import { and, eq, gte, lte, sql, type SQL } from 'drizzle-orm'
import type { Db } from '../db/openDatabase.ts'
import { nodeGpus } from '../db/schema/market.ts'
import { priceSortKey } from './NodeRegistry.ts'

export interface AvailabilityQuery {
  model?: string
  /** GPUs needed together on one node. */
  count?: number
  minVramGb?: number
  maxPricePerGpuHour?: bigint
  region?: string
  minReliability?: number
}

export interface AvailabilityGroup {
  model: string
  freeGpus: number
  nodes: number
  minPrice: bigint
  maxPrice: bigint
  regions: string[]
  medianReliability: number
  memoryMb: number
}

/** Free capacity grouped by model, cheapest first. One indexed scan of
 *  node_gpus (searchable fields are copied there), grouping in memory. */
export function searchAvailability(db: Db, query: AvailabilityQuery): AvailabilityGroup[] {
  const conditions: SQL[] = [eq(nodeGpus.online, true), sql`${nodeGpus.total} - ${nodeGpus.allocated} >= ${query.count ?? 1}`]
  if (query.model) conditions.push(eq(nodeGpus.model, query.model))
  if (query.region) conditions.push(eq(nodeGpus.region, query.region))
  if (query.minVramGb) conditions.push(gte(nodeGpus.memoryMb, Math.round(query.minVramGb * 1024) - 512))
  if (query.maxPricePerGpuHour !== undefined) conditions.push(lte(nodeGpus.priceSort, priceSortKey(query.maxPricePerGpuHour)))
  if (query.minReliability !== undefined) conditions.push(gte(nodeGpus.reliability, query.minReliability))
  const rows = db
    .select({
      model: nodeGpus.model,
      free: sql<number>`${nodeGpus.total} - ${nodeGpus.allocated}`,
      price: nodeGpus.pricePerGpuHour,
      region: nodeGpus.region,
      reliability: nodeGpus.reliability,
      memoryMb: nodeGpus.memoryMb,
    })
    .from(nodeGpus)
    .where(and(...conditions))
    .all()
  const groups = new Map<string, AvailabilityGroup & { reliabilities: number[]; regionSet: Set<string> }>()
  for (const row of rows) {
    const price = BigInt(row.price)
    let group = groups.get(row.model)
    if (!group) {
      group = { model: row.model, freeGpus: 0, nodes: 0, minPrice: price, maxPrice: price, regions: [], medianReliability: 0, memoryMb: row.memoryMb, reliabilities: [], regionSet: new Set() }
      groups.set(row.model, group)
    }
    group.freeGpus += row.free
    group.nodes++
    if (price < group.minPrice) group.minPrice = price
    if (price > group.maxPrice) group.maxPrice = price
    group.regionSet.add(row.region)
    group.reliabilities.push(row.reliability)
  }
  return [...groups.values()]
    .map(({ reliabilities, regionSet, ...group }) => ({ ...group, regions: [...regionSet].sort(), medianReliability: median(reliabilities) }))
    .sort((a, b) => (a.minPrice < b.minPrice ? -1 : a.minPrice > b.minPrice ? 1 : a.model.localeCompare(b.model)))
}

function median(values: number[]): number {
  const sorted = values.sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

/** Distinct models and regions with capacity, for autocomplete. */
export function listCatalogue(db: Db): { models: string[]; regions: string[] } {
  const models = db.selectDistinct({ v: nodeGpus.model }).from(nodeGpus).all().map((r) => r.v).sort()
  const regions = db.selectDistinct({ v: nodeGpus.region }).from(nodeGpus).all().map((r) => r.v).sort()
  return { models, regions }
}
