import type { Sqlite } from '../db/openDatabase.ts'
import { ALL_REGIONS } from '../db/schema/marketHistory.ts'

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

export interface EpochSummary {
  number: number
  startsAt: number
  endsAt: number
  closedAt: number
  emission: bigint
  /** Reward payouts of the epoch, confirmed on chain. */
  paid: bigint
  paidCount: number
  /** Reward payouts still pending or submitted. */
  inFlight: bigint
  inFlightCount: number
}

export interface NetworkOverviewData {
  /** When the market rows were taken (null: no snapshot yet). */
  takenAt: number | null
  /** Per model over all regions, most free GPUs first. */
  models: MarketRow[]
  /** Per model and region, by model then region. */
  regions: MarketRow[]
  epoch: EpochSummary | null
}

type HistoryRow = { takenAt: number; model: string; region: string; freeGpus: number; rentedGpus: number; listedNodes: number; minPrice: string; medianPrice: string; maxPrice: string }

/** What `/` shows, read from the latest market snapshot (tens of rows, not
 *  100,000 nodes) and the latest epoch. An epoch's payout sums read as many
 *  rows as it paid providers: they are summed by the snapshot job
 *  (refreshEpoch), and by a request only when a new epoch has closed since. */
export class NetworkOverview {
  private readonly statements
  private epochCache: EpochSummary | undefined

  constructor(deps: { sqlite: Sqlite }) {
    const { sqlite } = deps
    this.statements = {
      latest: sqlite.prepare<[], HistoryRow>(
        `select taken_at as takenAt, model, region, free_gpus as freeGpus, rented_gpus as rentedGpus, listed_nodes as listedNodes,
         min_price as minPrice, median_price as medianPrice, max_price as maxPrice
         from market_history where hour = (select max(hour) from market_history) order by model, region`,
      ),
      version: sqlite.prepare<[], { takenAt: number }>('select taken_at as takenAt from market_history where hour = (select max(hour) from market_history) limit 1'),
      epoch: sqlite.prepare<[], { number: number; startsAt: number; endsAt: number; closedAt: number; emission: string }>(
        'select number, starts_at as startsAt, ends_at as endsAt, closed_at as closedAt, emission from epochs order by number desc limit 1',
      ),
      // Reward payout ids are `e<epoch>-<provider>`: one key range per epoch. Amounts are decimal
      // text past 64 bits, so SQL sums them exactly in two parts (digits above and below 10^12);
      // SQLite stops with an overflow error rather than wrap, past 92 million GRID a payout.
      payouts: sqlite
        .prepare<[string, string], { status: string; n: bigint; high: bigint | null; low: bigint | null }>(
          `select status, count(*) as n, sum(cast(substr(amount, 1, length(amount) - 12) as integer)) as high, sum(cast(substr(amount, -12) as integer)) as low
           from payouts where id >= ? and id < ? group by status`,
        )
        .safeIntegers(true),
    }
  }

  read(): NetworkOverviewData {
    const rows = this.statements.latest.all()
    const parsed = rows.map(({ takenAt: _, minPrice, medianPrice, maxPrice, ...r }) => ({ ...r, minPrice: BigInt(minPrice), medianPrice: BigInt(medianPrice), maxPrice: BigInt(maxPrice) }))
    return {
      takenAt: rows[0]?.takenAt ?? null,
      models: parsed.filter((r) => r.region === ALL_REGIONS).sort((a, b) => b.freeGpus - a.freeGpus || a.model.localeCompare(b.model)),
      regions: parsed.filter((r) => r.region !== ALL_REGIONS),
      epoch: this.latestEpoch(),
    }
  }

  /** When the latest snapshot was taken: charts drawn from older data are stale. */
  version(): number | null {
    return this.statements.version.get()?.takenAt ?? null
  }

  private latestEpoch(): EpochSummary | null {
    const row = this.statements.epoch.get()
    if (!row) return null
    return this.epochCache?.number === row.number ? this.epochCache : this.refreshEpoch()
  }

  /** Sums the latest epoch's reward payouts: confirmed, and still on the way. */
  refreshEpoch(): EpochSummary | null {
    const row = this.statements.epoch.get()
    if (!row) return null
    let paid = 0n
    let paidCount = 0
    let inFlight = 0n
    let inFlightCount = 0
    for (const p of this.statements.payouts.all(`e${row.number}-`, `e${row.number}.`)) {
      const amount = (p.high ?? 0n) * 10n ** 12n + (p.low ?? 0n)
      if (p.status === 'confirmed') {
        paid += amount
        paidCount += Number(p.n)
      } else if (p.status === 'pending' || p.status === 'submitted') {
        inFlight += amount
        inFlightCount += Number(p.n)
      }
    }
    return (this.epochCache = { ...row, emission: BigInt(row.emission), paid, paidCount, inFlight, inFlightCount })
  }
}
