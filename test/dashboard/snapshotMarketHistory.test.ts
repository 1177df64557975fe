import { describe, expect, test } from 'vitest'
import { openDatabase } from '../../src/db/openDatabase.ts'
import { snapshotMarketHistory } from '../../src/dashboard/snapshotMarketHistory.ts'
import { medianOfCounts } from '../../src/dashboard/medianOfCounts.ts'
import { GRID, insertOffers } from './marketFixture.ts'

const HOUR = 3600_000
const T = Date.UTC(2026, 10, 30, 14, 25)
const HOUR_START = Date.UTC(2026, 10, 30, 14)

function setup() {
  const { sqlite } = openDatabase(':memory:')
  insertOffers(sqlite, [
    { node: 'a', model: 'H100-80GB', region: 'eu-west', price: 2n * GRID, total: 8, allocated: 3 },
    { node: 'b', model: 'H100-80GB', region: 'eu-west', price: 3n * GRID, total: 4, allocated: 4 },
    { node: 'c', model: 'H100-80GB', region: 'eu-west', price: 3n * GRID, total: 2 },
    { node: 'd', model: 'H100-80GB', region: 'us-east', price: 5n * GRID, total: 1 },
    { node: 'e', model: 'A100-80GB', region: 'us-east', price: GRID / 2n, total: 2, allocated: 1 },
    { node: 'f', model: 'A100-80GB', region: 'us-east', price: GRID, total: 2 },
    // Not listed (offline or unverified): counts nowhere.
    { node: 'g', model: 'H100-80GB', region: 'eu-west', price: 1n, total: 16, online: false },
  ])
  return sqlite
}

const rows = (sqlite: ReturnType<typeof setup>) =>
  sqlite.prepare('select hour, model, region, free_gpus, rented_gpus, listed_nodes, min_price, median_price, max_price, taken_at from market_history order by hour, model, region').all()

const row = (hour: number, model: string, region: string, free: number, rented: number, nodes: number, min: bigint, median: bigint, max: bigint, takenAt = T) => ({
  hour, model, region, free_gpus: free, rented_gpus: rented, listed_nodes: nodes, min_price: String(min), median_price: String(median), max_price: String(max), taken_at: takenAt,
})

describe('the hourly market snapshot', () => {
  test('writes one row per model and region and one per model over all regions, from listed capacity only', () => {
    const sqlite = setup()
    expect(snapshotMarketHistory({ sqlite, clock: () => T })).toEqual({ hour: HOUR_START, rows: 5, pruned: 0 })
    expect(rows(sqlite)).toEqual([
      // A100: prices 0.5 and 1: the even median is their mean.
      row(HOUR_START, 'A100-80GB', '*', 3, 1, 2, GRID / 2n, (GRID / 2n + GRID) / 2n, GRID),
      row(HOUR_START, 'A100-80GB', 'us-east', 3, 1, 2, GRID / 2n, (GRID / 2n + GRID) / 2n, GRID),
      // H100 everywhere: prices 2, 3, 3, 5 → median 3; free 5 + 0 + 2 + 1, rented 3 + 4.
      row(HOUR_START, 'H100-80GB', '*', 8, 7, 4, 2n * GRID, 3n * GRID, 5n * GRID),
      // eu-west: prices 2, 3, 3 → median 3.
      row(HOUR_START, 'H100-80GB', 'eu-west', 7, 7, 3, 2n * GRID, 3n * GRID, 3n * GRID),
      row(HOUR_START, 'H100-80GB', 'us-east', 1, 0, 1, 5n * GRID, 5n * GRID, 5n * GRID),
    ])
  })

  test('repeating within the hour replaces the hour: the latest state is kept, a model gone is gone', () => {
    const sqlite = setup()
    snapshotMarketHistory({ sqlite, clock: () => T })
    sqlite.prepare("update node_gpus set online = 0 where model = 'A100-80GB'").run()
    sqlite.prepare("update node_gpus set allocated = 1 where node_id = 'd'").run()
    const later = T + 20 * 60_000
    expect(snapshotMarketHistory({ sqlite, clock: () => later })).toEqual({ hour: HOUR_START, rows: 3, pruned: 0 })
    expect(rows(sqlite)).toEqual([
      row(HOUR_START, 'H100-80GB', '*', 7, 8, 4, 2n * GRID, 3n * GRID, 5n * GRID, later),
      row(HOUR_START, 'H100-80GB', 'eu-west', 7, 7, 3, 2n * GRID, 3n * GRID, 3n * GRID, later),
      row(HOUR_START, 'H100-80GB', 'us-east', 0, 1, 1, 5n * GRID, 5n * GRID, 5n * GRID, later),
    ])
  })

  test('the next hour adds rows; rows older than 90 days are deleted', () => {
    const sqlite = setup()
    const old = HOUR_START - 90 * 24 * HOUR
    snapshotMarketHistory({ sqlite, clock: () => old - HOUR }) // 90 days and 1 hour before: pruned
    snapshotMarketHistory({ sqlite, clock: () => old }) // exactly 90 days before: kept
    snapshotMarketHistory({ sqlite, clock: () => T - HOUR })
    expect(snapshotMarketHistory({ sqlite, clock: () => T })).toEqual({ hour: HOUR_START, rows: 5, pruned: 5 })
    expect(sqlite.prepare('select hour, count(*) as n from market_history group by hour order by hour').all()).toEqual([
      { hour: old, n: 5 },
      { hour: HOUR_START - HOUR, n: 5 },
      { hour: HOUR_START, n: 5 },
    ])
  })

  test('an empty market writes nothing and keeps the earlier hours', () => {
    const { sqlite } = openDatabase(':memory:')
    expect(snapshotMarketHistory({ sqlite, clock: () => T })).toEqual({ hour: HOUR_START, rows: 0, pruned: 0 })
    expect(rows(sqlite)).toEqual([])
  })

  test('prices past 2^64 stay exact', () => {
    const { sqlite } = openDatabase(':memory:')
    const huge = 2n ** 70n + 1n
    insertOffers(sqlite, [{ node: 'x', model: 'H200-141GB', region: 'ap-south', price: huge, total: 1 }])
    snapshotMarketHistory({ sqlite, clock: () => T })
    expect(sqlite.prepare("select min_price, median_price, max_price from market_history where region = '*'").get()).toEqual({ min_price: String(huge), median_price: String(huge), max_price: String(huge) })
  })
})

describe('medianOfCounts', () => {
  test('odd, even and weighted totals', () => {
    expect(medianOfCounts([[1n, 1], [2n, 1], [9n, 1]], 3)).toBe(2n)
    expect(medianOfCounts([[1n, 2], [4n, 2]], 4)).toBe(2n) // (1 + 4) / 2 rounded down
    expect(medianOfCounts([[1n, 1], [7n, 5]], 6)).toBe(7n)
  })
})
