import type { Sqlite } from '../db/openDatabase.ts'
import { ALL_REGIONS } from '../db/schema/marketHistory.ts'
import type { EpochHistory, EpochSummaryRow } from './EpochHistory.ts'

export interface MarketRow {
  model: string
  /** A region, or ALL_REGIONS for the model's whole network. */
  region: string
  freeGpus: number
  rentedGpus: number
  listedNodes: number
  minPrice: bigint
  medianPrice: bigint
  maxPrice: bigint
}

export interface NetworkOverviewData {
  /** When the market rows were taken (null: no snapshot yet). */
  takenAt: number | null
  /** Per model over all regions, most free GPUs first. */
  models: MarketRow[]
  /** Per model and region, by model then region. */
  regions: MarketRow[]
  epoch: EpochSummaryRow | null
}

type HistoryRow = { takenAt: number; model: string; region: string; freeGpus: number; rentedGpus: number; listedNodes: number; minPrice: string; medianPrice: string; maxPrice: string }

/** What `/` shows, read from the latest market snapshot (tens of rows, not
 *  100,000 nodes) and the latest epoch as the epoch pages show it (its payout
 *  sums kept between requests: they read as many rows as it paid providers). */
export class NetworkOverview {
  private readonly statements

  constructor(private readonly deps: { sqlite: Sqlite; epochs: EpochHistory }) {
    const { sqlite } = deps
    this.statements = {
      latest: sqlite.prepare<[], HistoryRow>(
        `select taken_at as takenAt, model, region, free_gpus as freeGpus, rented_gpus as rentedGpus, listed_nodes as listedNodes,
         min_price as minPrice, median_price as medianPrice, max_price as maxPrice
         from market_history where hour = (select max(hour) from market_history) order by model, region`,
      ),
      version: sqlite.prepare<[], { takenAt: number }>('select taken_at as takenAt from market_history where hour = (select max(hour) from market_history) limit 1'),
    }
  }

  read(): NetworkOverviewData {
    const rows = this.statements.latest.all()
    const parsed = rows.map(({ takenAt: _, minPrice, medianPrice, maxPrice, ...r }) => ({ ...r, minPrice: BigInt(minPrice), medianPrice: BigInt(medianPrice), maxPrice: BigInt(maxPrice) }))
    return {
      takenAt: rows[0]?.takenAt ?? null,
      models: parsed.filter((r) => r.region === ALL_REGIONS).sort((a, b) => b.freeGpus - a.freeGpus || a.model.localeCompare(b.model)),
      regions: parsed.filter((r) => r.region !== ALL_REGIONS),
      epoch: this.deps.epochs.latest() ?? null,
    }
  }

  /** When the latest snapshot was taken: charts drawn from older data are stale. */
  version(): number | null {
    return this.statements.version.get()?.takenAt ?? null
  }

  /** Sums the latest epoch's reward payouts again (the snapshot job): confirmed, and still on the way. */
  refreshEpoch(): void {
    this.deps.epochs.refreshLatest()
  }
}
