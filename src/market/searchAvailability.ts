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

/** One searchable (listed, online) node_gpus row, as /gpus needs it. */
interface Offer {
  free: number
  region: string
  memoryMb: number
  priceSort: string
  reliability: number
}

interface Filters {
  count: number
  model: string | null
  region: string | null
  minMemory: number | null
  maxPrice: string | null
  minReliability: number | null
}

/** Changes kept in market_changes for lagging readers; older ones are pruned. */
const CHANGES_KEPT = 100_000
const CACHE_ENTRIES = 1000
/** Past this many changed nodes, one full read is cheaper than node-by-node. */
const FULL_RELOAD_AFTER = 20_000

const OFFER_COLUMNS = 'node_id as nodeId, model, total - allocated as free, region, memory_mb as memoryMb, price_sort as priceSort, reliability'
type OfferRow = Offer & { nodeId: string; model: string }

/** Free capacity grouped by model, cheapest first, over an in-memory copy of
 *  the listed capacity. At 100,000 nodes a SQL scan per search costs tens of
 *  milliseconds; here the copy is kept current from market_changes (filled by
 *  triggers on node_gpus, reliability included), re-reading only the nodes
 *  that changed, and a search is a pass over the copy. Answers are cached per
 *  query until the next change. */
export class AvailabilitySearch {
  private readonly statements
  /** model → node → offer: a model filter reads only its own map. */
  private readonly offers = new Map<string, Map<string, Offer>>()
  private readonly modelsOfNode = new Map<string, Set<string>>()
  private seq = -1
  private prunedBelow = 0
  private readonly cache = new Map<string, AvailabilityGroup[]>()
  private catalogueCache: { models: string[]; regions: string[] } | undefined

  constructor(sqlite: Sqlite) {
    this.statements = {
      lastSeq: sqlite.prepare<[], { seq: number | null; first: number | null }>('select max(seq) as seq, min(seq) as first from market_changes'),
      changedSince: sqlite.prepare<[number], { nodeId: string }>('select distinct node_id as nodeId from market_changes where seq > ?'),
      all: sqlite.prepare<[], OfferRow>(`select ${OFFER_COLUMNS} from node_gpus where online = 1`),
      ofNodes: sqlite.prepare<[string], OfferRow>(`select ${OFFER_COLUMNS} from json_each(?) ids join node_gpus on node_gpus.node_id = ids.value where online = 1`),
      prune: sqlite.prepare<[number]>('delete from market_changes where seq < ?'),
    }
  }

  search(query: AvailabilityQuery): AvailabilityGroup[] {
    const filters: Filters = {
      count: query.count ?? 1,
      model: query.model ?? null,
      region: query.region ?? null,
      minMemory: query.minVramGb ? Math.round(query.minVramGb * 1024) - 512 : null,
      maxPrice: query.maxPricePerGpuHour === undefined ? null : priceSortKey(query.maxPricePerGpuHour),
      minReliability: query.minReliability ?? null,
    }
    this.refresh()
    const key = JSON.stringify(filters)
    const cached = this.cache.get(key)
    if (cached) return cached
    const groups = this.run(filters)
    if (this.cache.size >= CACHE_ENTRIES) this.cache.clear()
    this.cache.set(key, groups)
    return groups
  }

  /** Distinct models and regions on offer (listed capacity only), for autocomplete. */
  catalogue(): { models: string[]; regions: string[] } {
    this.refresh()
    if (this.catalogueCache) return this.catalogueCache
    const regions = new Set<string>()
    for (const byNode of this.offers.values()) for (const offer of byNode.values()) regions.add(offer.region)
    return (this.catalogueCache = { models: [...this.offers.keys()].sort(), regions: [...regions].sort() })
  }

  /** Brings the copy up to the latest change: a full read the first time or
   *  after falling behind the kept changes, else only the changed nodes. */
  private refresh(): void {
    const { seq, first } = this.statements.lastSeq.get()!
    const latest = seq ?? 0
    if (latest === this.seq) return
    this.cache.clear()
    this.catalogueCache = undefined
    const fellBehind = this.seq < 0 || (first !== null && first > this.seq + 1)
    const changed = fellBehind ? [] : this.statements.changedSince.all(this.seq).map((r) => r.nodeId)
    if (fellBehind || changed.length > FULL_RELOAD_AFTER) {
      this.offers.clear()
      this.modelsOfNode.clear()
      for (const row of this.statements.all.iterate()) this.put(row)
    } else {
      for (const nodeId of changed) this.remove(nodeId)
      for (const row of this.statements.ofNodes.iterate(JSON.stringify(changed))) this.put(row)
    }
    this.seq = latest
    if (latest - this.prunedBelow > 2 * CHANGES_KEPT) {
      this.prunedBelow = latest - CHANGES_KEPT
      this.statements.prune.run(this.prunedBelow)
    }
  }

  private put({ nodeId, model, ...offer }: OfferRow): void {
    let byNode = this.offers.get(model)
    if (!byNode) this.offers.set(model, (byNode = new Map()))
    byNode.set(nodeId, offer)
    let models = this.modelsOfNode.get(nodeId)
    if (!models) this.modelsOfNode.set(nodeId, (models = new Set()))
    models.add(model)
  }

  private remove(nodeId: string): void {
    for (const model of this.modelsOfNode.get(nodeId) ?? []) {
      const byNode = this.offers.get(model)!
      byNode.delete(nodeId)
      if (byNode.size === 0) this.offers.delete(model)
    }
    this.modelsOfNode.delete(nodeId)
  }

  private run(filters: Filters): AvailabilityGroup[] {
    const groups: AvailabilityGroup[] = []
    const models = filters.model === null ? [...this.offers.keys()] : this.offers.has(filters.model) ? [filters.model] : []
    for (const model of models) {
      let freeGpus = 0
      let nodes = 0
      let minPrice = ''
      let maxPrice = ''
      let memoryMb = Infinity
      const regions = new Set<string>()
      const byReliability = new Map<number, number>()
      for (const offer of this.offers.get(model)!.values()) {
        if (
          offer.free < filters.count ||
          (filters.region !== null && offer.region !== filters.region) ||
          (filters.minMemory !== null && offer.memoryMb < filters.minMemory) ||
          (filters.maxPrice !== null && offer.priceSort > filters.maxPrice) ||
          (filters.minReliability !== null && offer.reliability < filters.minReliability)
        )
          continue
        freeGpus += offer.free
        nodes++
        if (minPrice === '' || offer.priceSort < minPrice) minPrice = offer.priceSort
        if (offer.priceSort > maxPrice) maxPrice = offer.priceSort
        if (offer.memoryMb < memoryMb) memoryMb = offer.memoryMb
        regions.add(offer.region)
        byReliability.set(offer.reliability, (byReliability.get(offer.reliability) ?? 0) + 1)
      }
      if (nodes === 0) continue
      const counts = [...byReliability].sort((a, b) => a[0] - b[0])
      groups.push({ model, freeGpus, nodes, minPrice: BigInt(minPrice), maxPrice: BigInt(maxPrice), regions: [...regions].sort(), medianReliability: median(counts, nodes), memoryMb })
    }
    return groups.sort((a, b) => (a.minPrice < b.minPrice ? -1 : a.minPrice > b.minPrice ? 1 : a.model.localeCompare(b.model)))
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
