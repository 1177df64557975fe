import type { Sqlite } from '../db/openDatabase.ts'
import { ALL_REGIONS } from '../db/schema/marketHistory.ts'
import { medianOfCounts } from './medianOfCounts.ts'

const HOUR = 3600_000
/** How long hourly rows are kept. */
export const HISTORY_DAYS = 90

export interface SnapshotMarketHistoryDeps {
  sqlite: Sqlite
  clock: () => number
}

export interface SnapshotMarketHistoryReturnType {
  hour: number
  /** Rows written for the hour (regions and all-regions rows). */
  rows: number
  /** Rows older than HISTORY_DAYS deleted. */
  pruned: number
}

interface PriceGroupRow {
  model: string
  region: string
  priceSort: string
  offers: number
  free: number
  rented: number
}

interface Aggregate {
  model: string
  region: string
  free: number
  rented: number
  nodes: number
  /** Ascending (price, offers) pairs. */
  prices: [bigint, number][]
}

/** Writes the listed market of the current UTC hour: one GROUP BY over
 *  node_gpus (one row per model, region and distinct price, read from the
 *  covering index), folded into min / median / max per (model, region) and per
 *  model over all regions. Safe to repeat within the hour: the hour's rows are
 *  replaced, so the latest run of an hour is what it keeps. */
export function snapshotMarketHistory({ sqlite, clock }: SnapshotMarketHistoryDeps): SnapshotMarketHistoryReturnType {
  const now = clock()
  const hour = Math.floor(now / HOUR) * HOUR
  const groups = sqlite
    .prepare<[], PriceGroupRow>(
      `select model, region, price_sort as priceSort, count(*) as offers, sum(total - allocated) as free, sum(allocated) as rented
       from node_gpus where online = 1 group by model, region, price_sort order by model, region, price_sort`,
    )
    .all()
  const aggregates = foldByRegion(groups)
  const rows = [...aggregates, ...foldAllRegions(aggregates)]
  const insert = sqlite.prepare(
    `insert into market_history (hour, model, region, free_gpus, rented_gpus, listed_nodes, min_price, median_price, max_price, taken_at)
     values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  )
  let pruned = 0
  sqlite.transaction(() => {
    sqlite.prepare('delete from market_history where hour = ?').run(hour)
    for (const a of rows) {
      const min = a.prices[0]![0]
      const max = a.prices[a.prices.length - 1]![0]
      insert.run(hour, a.model, a.region, a.free, a.rented, a.nodes, String(min), String(medianOfCounts(a.prices, a.nodes)), String(max), now)
    }
    pruned = sqlite.prepare('delete from market_history where hour < ?').run(hour - HISTORY_DAYS * 24 * HOUR).changes
  }).immediate()
  return { hour, rows: rows.length, pruned }
}

/** Rows arrive ordered by (model, region, price): consecutive runs are one group. */
function foldByRegion(groups: PriceGroupRow[]): Aggregate[] {
  const out: Aggregate[] = []
  let current: Aggregate | undefined
  for (const g of groups) {
    if (!current || current.model !== g.model || current.region !== g.region) {
      current = { model: g.model, region: g.region, free: 0, rented: 0, nodes: 0, prices: [] }
      out.push(current)
    }
    current.free += g.free
    current.rented += g.rented
    current.nodes += g.offers
    current.prices.push([BigInt(g.priceSort), g.offers])
  }
  return out
}

/** One row per model over every region; its median merges the regions' price counts. */
function foldAllRegions(byRegion: Aggregate[]): Aggregate[] {
  const byModel = new Map<string, Aggregate & { counts: Map<bigint, number> }>()
  for (const a of byRegion) {
    let m = byModel.get(a.model)
    if (!m) byModel.set(a.model, (m = { model: a.model, region: ALL_REGIONS, free: 0, rented: 0, nodes: 0, prices: [], counts: new Map() }))
    m.free += a.free
    m.rented += a.rented
    m.nodes += a.nodes
    for (const [price, offers] of a.prices) m.counts.set(price, (m.counts.get(price) ?? 0) + offers)
  }
  return [...byModel.values()].map(({ counts, ...m }) => ({ ...m, prices: [...counts].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)) }))
}
