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

/** One listed node's free GPUs of one model, as /offers shows it. */
export interface NodeOffer {
  nodeId: string
  model: string
  free: number
  region: string
  memoryMb: number
  pricePerGpuHour: bigint
  reliability: number
}

/** What /offers ranks by: the price as a double and its exact key for ties. */
export type RankedOffer = Pick<Offer, 'nodeId' | 'price' | 'priceSort' | 'reliability'>

/** One searchable (listed, online) node_gpus row, as /gpus needs it. */
interface Offer {
  nodeId: string
  free: number
  region: number
  memoryMb: number
  /** The price as a double orders offers; the exact 40-digit key breaks its ties. */
  price: number
  priceSort: string
  reliability: number
  /** Reliability in thousandths (how NodeRegistry rounds it) for the median's histogram; -1 if finer. */
  permille: number
}

/** A query in canonical form: the cache key of /gpus answers. */
interface Filters {
  count: number
  model: string | null
  region: string | null
  minMemory: number | null
  maxPrice: string | null
  minReliability: number | null
}

/** Filters resolved against the copy (region as its id, absent bounds as
 *  infinities), so testing an offer is a few number comparisons. */
interface OfferTest {
  count: number
  /** -1: any region; -2: a region nothing is offered in. */
  region: number
  minMemory: number
  minReliability: number
  maxPrice: number
  maxPriceSort: string | null
}

/** Changes kept in market_changes for lagging readers; older ones are pruned. */
const CHANGES_KEPT = 100_000
const CACHE_ENTRIES = 1000
/** Past this many changed nodes, one full read is cheaper than node-by-node. */
const FULL_RELOAD_AFTER = 20_000

const OFFER_COLUMNS = 'node_id as nodeId, model, total - allocated as free, region, memory_mb as memoryMb, price_sort as priceSort, reliability'
type OfferRow = { nodeId: string; model: string; free: number; region: string; memoryMb: number; priceSort: string; reliability: number }

/** Free capacity grouped by model, cheapest first, over an in-memory copy of
 *  the listed capacity. At 100,000 nodes a SQL scan per search costs tens of
 *  milliseconds; here the copy is kept current from market_changes (filled by
 *  triggers on node_gpus, reliability included), re-reading only the nodes
 *  that changed, and a search is a pass over the copy. Answers are cached per
 *  query and model: a change recomputes only its own models. */
export class AvailabilitySearch {
  private readonly statements
  /** model → its offers; `at` finds a node's offer for swap-removal. Arrays, because a search is one pass over them. */
  private readonly offers = new Map<string, { list: Offer[]; at: Map<string, number> }>()
  private readonly modelsOfNode = new Map<string, Set<string>>()
  /** Regions as small numbers: a search marks them in an array instead of hashing strings. */
  private readonly regionIds = new Map<string, number>()
  private readonly regionNames: string[] = []
  private seq = -1
  private prunedBelow = 0
  /** filters → model → its group (null: nothing matches). A change drops only its models' entries. */
  private readonly cache = new Map<string, Map<string, AvailabilityGroup | null>>()
  private catalogueCache: { models: string[]; regions: string[] } | undefined

  constructor(sqlite: Sqlite) {
    this.statements = {
      // Two subqueries: SQLite answers a lone min() or max() from the key, both together by a scan.
      lastSeq: sqlite.prepare<[], { seq: number | null; first: number | null }>('select (select max(seq) from market_changes) as seq, (select min(seq) from market_changes) as first'),
      changedSince: sqlite.prepare<[number], { nodeId: string }>('select distinct node_id as nodeId from market_changes where seq > ?'),
      all: sqlite.prepare<[], OfferRow>(`select ${OFFER_COLUMNS} from node_gpus where online = 1`),
      // `+online`: keeps the planner on the node_id key instead of scanning every listed row.
      ofNodes: sqlite.prepare<[string], OfferRow>(`select ${OFFER_COLUMNS} from json_each(?) ids cross join node_gpus on node_gpus.node_id = ids.value where +online = 1`),
      prune: sqlite.prepare<[number]>('delete from market_changes where seq < ?'),
    }
  }

  search(query: AvailabilityQuery): AvailabilityGroup[] {
    const filters = filtersOf(query)
    this.refresh()
    const key = JSON.stringify(filters)
    let byModel = this.cache.get(key)
    if (!byModel) {
      if (this.cache.size >= CACHE_ENTRIES) this.cache.clear()
      this.cache.set(key, (byModel = new Map()))
    }
    const models = filters.model === null ? [...this.offers.keys()] : this.offers.has(filters.model) ? [filters.model] : []
    const groups: AvailabilityGroup[] = []
    for (const model of models) {
      let group = byModel.get(model)
      if (group === undefined) byModel.set(model, (group = this.group(model, filters)))
      if (group) groups.push(group)
    }
    return groups.sort((a, b) => (a.minPrice < b.minPrice ? -1 : a.minPrice > b.minPrice ? 1 : a.model.localeCompare(b.model)))
  }

  /** The best `limit` single offers (one node's free GPUs of one model) under
   *  the filters, ranked by `before`, and how many matched: /offers. One pass
   *  over the copy keeping only the best few, so 100,000 nodes cost no sort. */
  topOffers(query: AvailabilityQuery, limit: number, before: (a: RankedOffer, b: RankedOffer) => number): { offers: NodeOffer[]; matched: number } {
    this.refresh()
    const filters = filtersOf(query)
    const test = this.testOf(filters)
    const models = filters.model === null ? [...this.offers.keys()].sort() : this.offers.has(filters.model) ? [filters.model] : []
    const best: { offer: Offer; model: string }[] = []
    let matched = 0
    for (const model of models) {
      for (const offer of this.offers.get(model)!.list) {
        if (!passes(offer, test)) continue
        matched++
        if (best.length === limit && before(offer, best[limit - 1]!.offer) >= 0) continue
        let at = best.length === limit ? limit - 1 : best.length
        // Models are visited in name order, so a tie stays behind the one already kept.
        while (at > 0 && before(offer, best[at - 1]!.offer) < 0) {
          best[at] = best[at - 1]!
          at--
        }
        best[at] = { offer, model }
      }
    }
    const offers = best.map(({ offer, model }) => ({
      nodeId: offer.nodeId,
      model,
      free: offer.free,
      region: this.regionNames[offer.region]!,
      memoryMb: offer.memoryMb,
      pricePerGpuHour: BigInt(offer.priceSort),
      reliability: offer.reliability,
    }))
    return { offers, matched }
  }

  /** Distinct models and regions on offer (listed capacity only), for autocomplete. */
  catalogue(): { models: string[]; regions: string[] } {
    this.refresh()
    if (this.catalogueCache) return this.catalogueCache
    const regions = new Set<string>()
    for (const { list } of this.offers.values()) for (const offer of list) regions.add(this.regionNames[offer.region]!)
    return (this.catalogueCache = { models: [...this.offers.keys()].sort(), regions: [...regions].sort() })
  }

  /** Brings the copy up to the latest change: a full read the first time or
   *  after falling behind the kept changes, else only the changed nodes. */
  private refresh(): void {
    const { seq, first } = this.statements.lastSeq.get()!
    const latest = seq ?? 0
    if (latest === this.seq) return
    this.catalogueCache = undefined
    const fellBehind = this.seq < 0 || (first !== null && first > this.seq + 1)
    const changed = fellBehind ? [] : this.statements.changedSince.all(this.seq).map((r) => r.nodeId)
    if (fellBehind || changed.length > FULL_RELOAD_AFTER) {
      this.cache.clear()
      this.offers.clear()
      this.modelsOfNode.clear()
      // Region ids stay: a search sizes its marks by regionNames.
      for (const row of this.statements.all.iterate()) this.put(row)
    } else {
      const touched = new Set<string>()
      for (const nodeId of changed) for (const model of this.remove(nodeId)) touched.add(model)
      for (const row of this.statements.ofNodes.iterate(JSON.stringify(changed))) touched.add(this.put(row))
      for (const byModel of this.cache.values()) for (const model of touched) byModel.delete(model)
    }
    this.seq = latest
    if (latest - this.prunedBelow > 2 * CHANGES_KEPT) {
      this.prunedBelow = latest - CHANGES_KEPT
      this.statements.prune.run(this.prunedBelow)
    }
  }

  /** Adds a row to the copy; returns its model. */
  private put({ nodeId, model, free, region, memoryMb, priceSort, reliability }: OfferRow): string {
    let regionId = this.regionIds.get(region)
    if (regionId === undefined) {
      regionId = this.regionNames.push(region) - 1
      this.regionIds.set(region, regionId)
    }
    let offers = this.offers.get(model)
    if (!offers) this.offers.set(model, (offers = { list: [], at: new Map() }))
    offers.at.set(nodeId, offers.list.push({ nodeId, free, region: regionId, memoryMb, price: Number(priceSort), priceSort, reliability, permille: permilleOf(reliability) }) - 1)
    let models = this.modelsOfNode.get(nodeId)
    if (!models) this.modelsOfNode.set(nodeId, (models = new Set()))
    models.add(model)
    return model
  }

  /** Takes a node's rows out of the copy; returns their models. */
  private remove(nodeId: string): Iterable<string> {
    const models = this.modelsOfNode.get(nodeId) ?? new Set<string>()
    for (const model of models) {
      const offers = this.offers.get(model)!
      const index = offers.at.get(nodeId)!
      const last = offers.list.pop()!
      if (last.nodeId !== nodeId) {
        offers.list[index] = last
        offers.at.set(last.nodeId, index)
      }
      offers.at.delete(nodeId)
      if (offers.list.length === 0) this.offers.delete(model)
    }
    this.modelsOfNode.delete(nodeId)
    return models
  }

  private testOf(filters: Filters): OfferTest {
    return {
      count: filters.count,
      region: filters.region === null ? -1 : (this.regionIds.get(filters.region) ?? -2),
      minMemory: filters.minMemory ?? -Infinity,
      minReliability: filters.minReliability ?? -Infinity,
      maxPrice: filters.maxPrice === null ? Infinity : Number(filters.maxPrice),
      maxPriceSort: filters.maxPrice,
    }
  }

  /** One model's group under the filters, in one pass over its offers. */
  private group(model: string, filters: Filters): AvailabilityGroup | null {
    const test = this.testOf(filters)
    let freeGpus = 0
    let nodes = 0
    let min: Offer | undefined
    let max: Offer | undefined
    let memoryMb = Infinity
    const regions = new Uint8Array(this.regionNames.length)
    const histogram = new Int32Array(1001)
    const finer = new Map<number, number>()
    for (const offer of this.offers.get(model)!.list) {
      if (!passes(offer, test)) continue
      freeGpus += offer.free
      nodes++
      if (!min || offer.price < min.price || (offer.price === min.price && offer.priceSort < min.priceSort)) min = offer
      if (!max || offer.price > max.price || (offer.price === max.price && offer.priceSort > max.priceSort)) max = offer
      if (offer.memoryMb < memoryMb) memoryMb = offer.memoryMb
      regions[offer.region] = 1
      if (offer.permille >= 0) histogram[offer.permille]!++
      else finer.set(offer.reliability, (finer.get(offer.reliability) ?? 0) + 1)
    }
    if (!min || !max) return null
    for (let permille = 0; permille <= 1000; permille++) if (histogram[permille]) finer.set(permille / 1000, (finer.get(permille / 1000) ?? 0) + histogram[permille]!)
    const counts = [...finer].sort((a, b) => a[0] - b[0])
    const names = this.regionNames.filter((_, id) => regions[id] === 1).sort()
    return { model, freeGpus, nodes, minPrice: BigInt(min.priceSort), maxPrice: BigInt(max.priceSort), regions: names, medianReliability: median(counts, nodes), memoryMb }
  }
}

function filtersOf(query: AvailabilityQuery): Filters {
  return {
    count: query.count ?? 1,
    model: query.model ?? null,
    region: query.region ?? null,
    minMemory: query.minVramGb ? Math.round(query.minVramGb * 1024) - 512 : null,
    maxPrice: query.maxPricePerGpuHour === undefined ? null : priceSortKey(query.maxPricePerGpuHour),
    minReliability: query.minReliability ?? null,
  }
}

/** The one test of an offer against a query: /gpus (group) and /offers (topOffers)
 *  both use it, so they agree on what is available. */
function passes(offer: Offer, test: OfferTest): boolean {
  if (offer.free < test.count || offer.memoryMb < test.minMemory || offer.reliability < test.minReliability || (test.region !== -1 && offer.region !== test.region)) return false
  // The double decides unless it ties, then the exact key does.
  return !(offer.price > test.maxPrice || (offer.price === test.maxPrice && offer.priceSort > test.maxPriceSort!))
}

function permilleOf(reliability: number): number {
  const permille = Math.round(reliability * 1000)
  return permille >= 0 && permille <= 1000 && permille / 1000 === reliability ? permille : -1
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
