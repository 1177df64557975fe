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

// One prepared statement does filtering, grouping and the median in SQLite:
// /gpus must stay fast over tens of thousands of nodes, and building a query
// per call costs more than running it. Searchable fields are copied into
// node_gpus so there is no join.
const SEARCH_SQL = `
with matching as (
  select model, total - allocated as free, price_sort, region, reliability, memory_mb
  from node_gpus
  where online = 1 and total - allocated >= :count
    and (:model is null or model = :model)
    and (:region is null or region = :region)
    and (:minMemory is null or memory_mb >= :minMemory)
    and (:maxPrice is null or price_sort <= :maxPrice)
    and (:minReliability is null or reliability >= :minReliability)
),
ranked as (
  select model, reliability, row_number() over (partition by model order by reliability) as rn, count(*) over (partition by model) as n
  from matching
),
medians as (
  select model, avg(reliability) as median from ranked where rn in ((n + 1) / 2, (n + 2) / 2) group by model
)
select m.model, sum(m.free) as free, count(*) as nodes, min(m.price_sort) as minPrice, max(m.price_sort) as maxPrice,
  group_concat(distinct m.region) as regions, min(m.memory_mb) as memoryMb, md.median as median
from matching m join medians md on md.model = m.model
group by m.model
order by minPrice, m.model`

interface Row {
  model: string
  free: number
  nodes: number
  minPrice: string
  maxPrice: string
  regions: string
  memoryMb: number
  median: number
}

/** Free capacity grouped by model, cheapest first. */
export class AvailabilitySearch {
  private readonly statement
  private readonly catalogueStatements

  constructor(sqlite: Sqlite) {
    this.statement = sqlite.prepare<Record<string, string | number | null>, Row>(SEARCH_SQL)
    this.catalogueStatements = {
      models: sqlite.prepare<[], { v: string }>('select distinct model as v from node_gpus order by v'),
      regions: sqlite.prepare<[], { v: string }>('select distinct region as v from node_gpus order by v'),
    }
  }

  search(query: AvailabilityQuery): AvailabilityGroup[] {
    const rows = this.statement.all({
      count: query.count ?? 1,
      model: query.model ?? null,
      region: query.region ?? null,
      minMemory: query.minVramGb ? Math.round(query.minVramGb * 1024) - 512 : null,
      maxPrice: query.maxPricePerGpuHour === undefined ? null : priceSortKey(query.maxPricePerGpuHour),
      minReliability: query.minReliability ?? null,
    })
    return rows.map((row) => ({
      model: row.model,
      freeGpus: row.free,
      nodes: row.nodes,
      minPrice: BigInt(row.minPrice),
      maxPrice: BigInt(row.maxPrice),
      regions: row.regions.split(',').sort(),
      medianReliability: row.median,
      memoryMb: row.memoryMb,
    }))
  }

  /** Distinct models and regions on offer, for autocomplete. */
  catalogue(): { models: string[]; regions: string[] } {
    return { models: this.catalogueStatements.models.all().map((r) => r.v), regions: this.catalogueStatements.regions.all().map((r) => r.v) }
  }
}
