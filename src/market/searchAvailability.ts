import type { Sqlite } from '../db/openDatabase.ts'
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

// One prepared statement over a covering index, grouped by (model,
// reliability) in index order so SQLite never sorts; the rows are merged per
// model here, and the per-reliability counts give the median. Building a
// query per call would cost more than running it, and searchable fields are
// copied into node_gpus so there is no join.
const SEARCH_SQL = `
select model, reliability, sum(total - allocated) as free, count(*) as nodes, min(price_sort) as minPrice, max(price_sort) as maxPrice,
  min(memory_mb) as memoryMb, group_concat(distinct region) as regions
from node_gpus
where online = 1 and total - allocated >= :count
  and (:model is null or model = :model)
  and (:region is null or region = :region)
  and (:minMemory is null or memory_mb >= :minMemory)
  and (:maxPrice is null or price_sort <= :maxPrice)
  and (:minReliability is null or reliability >= :minReliability)
group by model, reliability`

interface Row {
  model: string
  reliability: number
  free: number
  nodes: number
  minPrice: string
  maxPrice: string
  regions: string
  memoryMb: number
}

/** Reliability changes do not bump the market version; cached answers
 *  older than this are recomputed so it is never far behind. */
const CACHE_TTL_MS = 30_000
const CACHE_ENTRIES = 1000

/** Free capacity grouped by model, cheapest first. Answers are cached per
 *  query until the market version (bumped by triggers on node_gpus) moves. */
export class AvailabilitySearch {
  private readonly statement
  private readonly versionStatement
  private readonly catalogueStatements
  private readonly cache = new Map<string, { version: number; at: number; groups: AvailabilityGroup[] }>()

  constructor(
    sqlite: Sqlite,
    private readonly clock: () => number = Date.now,
  ) {
    this.statement = sqlite.prepare<Record<string, string | number | null>, Row>(SEARCH_SQL)
    this.versionStatement = sqlite.prepare<[], { version: number }>('select version from market_version where id = 1')
    this.catalogueStatements = {
      // Listed capacity only: unbonded, unverified agents must not fill autocomplete with what they typed.
      models: sqlite.prepare<[], { v: string }>('select distinct model as v from node_gpus where online = 1 order by v'),
      regions: sqlite.prepare<[], { v: string }>('select distinct region as v from node_gpus where online = 1 order by v'),
    }
  }

  search(query: AvailabilityQuery): AvailabilityGroup[] {
    const params = {
      count: query.count ?? 1,
      model: query.model ?? null,
      region: query.region ?? null,
      minMemory: query.minVramGb ? Math.round(query.minVramGb * 1024) - 512 : null,
      maxPrice: query.maxPricePerGpuHour === undefined ? null : priceSortKey(query.maxPricePerGpuHour),
      minReliability: query.minReliability ?? null,
    }
    const key = JSON.stringify(params)
    const version = this.versionStatement.get()!.version
    const now = this.clock()
    const cached = this.cache.get(key)
    if (cached && cached.version === version && now - cached.at < CACHE_TTL_MS) return cached.groups
    const groups = this.run(params)
    if (this.cache.size >= CACHE_ENTRIES) this.cache.clear()
    this.cache.set(key, { version, at: now, groups })
    return groups
  }

  private run(params: Record<string, string | number | null>): AvailabilityGroup[] {
    const groups = new Map<string, AvailabilityGroup & { byReliability: [number, number][]; regionSet: Set<string> }>()
    for (const row of this.statement.all(params)) {
      const minPrice = BigInt(row.minPrice)
      const maxPrice = BigInt(row.maxPrice)
      let group = groups.get(row.model)
      if (!group) {
        group = { model: row.model, freeGpus: 0, nodes: 0, minPrice, maxPrice, regions: [], medianReliability: 0, memoryMb: row.memoryMb, byReliability: [], regionSet: new Set() }
        groups.set(row.model, group)
      }
      group.freeGpus += row.free
      group.nodes += row.nodes
      if (minPrice < group.minPrice) group.minPrice = minPrice
      if (maxPrice > group.maxPrice) group.maxPrice = maxPrice
      if (row.memoryMb < group.memoryMb) group.memoryMb = row.memoryMb
      for (const region of row.regions.split(',')) group.regionSet.add(region)
      group.byReliability.push([row.reliability, row.nodes])
    }
    return [...groups.values()]
      .map(({ byReliability, regionSet, ...group }) => ({ ...group, regions: [...regionSet].sort(), medianReliability: median(byReliability, group.nodes) }))
      .sort((a, b) => (a.minPrice < b.minPrice ? -1 : a.minPrice > b.minPrice ? 1 : a.model.localeCompare(b.model)))
  }

  /** Distinct models and regions on offer, for autocomplete. */
  catalogue(): { models: string[]; regions: string[] } {
    return { models: this.catalogueStatements.models.all().map((r) => r.v), regions: this.catalogueStatements.regions.all().map((r) => r.v) }
  }
}

/** The median of `total` values given as ascending (value, count) pairs. */
function median(counts: [number, number][], total: number): number {
  const at = (position: number) => {
    let seen = 0
    for (const [value, count] of counts) if ((seen += count) > position) return value
    return counts[counts.length - 1]![0]
  }
  return total % 2 ? at((total - 1) / 2) : (at(total / 2 - 1) + at(total / 2)) / 2
}
