import { describe, expect, test } from 'vitest'
import { insertNetwork } from '../../bench/networkFixture.ts'
import { openDatabase, type Sqlite } from '../../src/db/openDatabase.ts'
import { byPrice } from '../../src/market/NodeOffers.ts'
import { AvailabilitySearch, type AvailabilityQuery } from '../../src/market/searchAvailability.ts'

const TOKEN = 10n ** 18n
const QUERIES: AvailabilityQuery[] = [
  {},
  { model: 'H100-80GB' },
  { model: 'RTX4090-24GB', count: 4, region: 'us-east' },
  { minVramGb: 80, maxPricePerGpuHour: 2n * TOKEN },
  { maxPricePerGpuHour: 1n * TOKEN },
  { minReliability: 0.98 },
  { region: 'nowhere' },
  { model: 'B200-192GB' },
]

/** What /gpus must answer, read straight from node_gpus with SQL filters (the
 *  reference the in-memory copy is checked against). */
function fromSql(sqlite: Sqlite, q: AvailabilityQuery) {
  const rows = sqlite
    .prepare(
      `select model, total - allocated as free, region, memory_mb as memory, price_sort as price, reliability from node_gpus
       where online = 1 and total - allocated >= :count and (:model is null or model = :model) and (:region is null or region = :region)
         and (:minMemory is null or memory_mb >= :minMemory) and (:maxPrice is null or price_sort <= :maxPrice) and (:minReliability is null or reliability >= :minReliability)`,
    )
    .all({
      count: q.count ?? 1,
      model: q.model ?? null,
      region: q.region ?? null,
      minMemory: q.minVramGb ? Math.round(q.minVramGb * 1024) - 512 : null,
      maxPrice: q.maxPricePerGpuHour === undefined ? null : q.maxPricePerGpuHour.toString().padStart(40, '0'),
      minReliability: q.minReliability ?? null,
    }) as { model: string; free: number; region: string; memory: number; price: string; reliability: number }[]
  const models = [...new Set(rows.map((r) => r.model))]
  return models
    .map((model) => {
      const mine = rows.filter((r) => r.model === model)
      const prices = mine.map((r) => BigInt(r.price)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
      const reliabilities = mine.map((r) => r.reliability).sort((a, b) => a - b)
      const n = reliabilities.length
      return {
        model,
        freeGpus: mine.reduce((s, r) => s + r.free, 0),
        nodes: n,
        minPrice: prices[0]!,
        maxPrice: prices[n - 1]!,
        regions: [...new Set(mine.map((r) => r.region))].sort(),
        medianReliability: n % 2 ? reliabilities[(n - 1) / 2]! : (reliabilities[n / 2 - 1]! + reliabilities[n / 2]!) / 2,
        memoryMb: Math.min(...mine.map((r) => r.memory)),
      }
    })
    .sort((a, b) => (a.minPrice < b.minPrice ? -1 : a.minPrice > b.minPrice ? 1 : a.model.localeCompare(b.model)))
}

function network(nodes = 60) {
  const { sqlite } = openDatabase(':memory:')
  insertNetwork(sqlite, { nodes })
  return { sqlite, search: new AvailabilitySearch(sqlite) }
}

const expectSameAsSql = (sqlite: Sqlite, search: AvailabilitySearch) => {
  for (const q of QUERIES) expect(search.search(q)).toEqual(fromSql(sqlite, q))
}

describe('availability search', () => {
  test('answers every query as a direct SQL reading of the listed capacity does', () => {
    const { sqlite, search } = network()
    expect(
      search
        .search({})
        .map((g) => `${g.model}: ${g.nodes} nodes, ${g.freeGpus} free`)
        .sort(),
    ).toEqual(['A100-80GB: 12 nodes, 60 free', 'H100-80GB: 12 nodes, 60 free', 'H200-141GB: 12 nodes, 60 free', 'L40S-48GB: 12 nodes, 60 free', 'RTX4090-24GB: 12 nodes, 60 free'])
    expectSameAsSql(sqlite, search)
  })

  test('each change to a node shows in the next search: allocations, prices, unlisting, new and removed capacity', () => {
    const { sqlite, search } = network()
    expectSameAsSql(sqlite, search)
    sqlite.prepare("update node_gpus set allocated = 4 where node_id = 'n5'").run()
    expectSameAsSql(sqlite, search)
    sqlite.prepare("update node_gpus set price_per_gpu_hour = '1', price_sort = ? where node_id = 'n10'").run('1'.padStart(40, '0'))
    expectSameAsSql(sqlite, search)
    expect(search.search({ maxPricePerGpuHour: 1n })).toEqual([expect.objectContaining({ nodes: 1, minPrice: 1n, maxPrice: 1n })])
    // unlisted: a slash or an expired verification turns node_gpus.online off
    sqlite.prepare("update node_gpus set online = 0 where node_id in ('n1', 'n2', 'n3')").run()
    expectSameAsSql(sqlite, search)
    sqlite.prepare("update node_gpus set reliability = 0.5 where node_id = 'n20'").run()
    expectSameAsSql(sqlite, search)
    sqlite.prepare("insert into node_gpus (node_id, model, memory_mb, total, allocated, region, price_per_gpu_hour, price_sort, reliability, online) values ('n30', 'B200-192GB', 196608, 8, 0, 'eu-west', '9', ?, 1, 1)").run('9'.padStart(40, '0'))
    expectSameAsSql(sqlite, search)
    sqlite.prepare("delete from node_gpus where node_id = 'n30' and model = 'B200-192GB'").run()
    expectSameAsSql(sqlite, search)
    expect(search.catalogue().models).not.toContain('B200-192GB')
  })

  test('a reader that fell behind the kept changes reloads everything and is right again', () => {
    const { sqlite, search } = network()
    search.search({})
    sqlite.prepare("update node_gpus set allocated = 5 where node_id = 'n7'").run()
    sqlite.prepare("update node_gpus set online = 0 where node_id = 'n8'").run()
    // another process pruned the log past what this reader has seen
    sqlite.prepare('delete from market_changes where seq <= (select max(seq) from market_changes)').run()
    sqlite.prepare("update node_gpus set allocated = 1 where node_id = 'n9'").run()
    expectSameAsSql(sqlite, search)
  })

  test('/offers lists exactly the offers /gpus counts, for every filter', () => {
    const { sqlite, search } = network()
    sqlite.prepare("update node_gpus set allocated = 3 where node_id in ('n4', 'n9')").run()
    sqlite.prepare("update node_gpus set reliability = 0.97 where node_id = 'n11'").run()
    for (const q of QUERIES) {
      const groups = search.search(q)
      const { offers, matched } = search.topOffers(q, 1000, byPrice)
      expect(matched).toBe(groups.reduce((sum, g) => sum + g.nodes, 0))
      expect(offers.length).toBe(matched)
      for (const g of groups) {
        const mine = offers.filter((o) => o.model === g.model)
        expect(mine.reduce((sum, o) => sum + o.free, 0)).toBe(g.freeGpus)
        expect([...new Set(mine.map((o) => o.region))].sort()).toEqual(g.regions)
      }
    }
  })

  test('attack: an offer one base unit over max_price (the same double) is in neither /gpus nor /offers', () => {
    const { sqlite, search } = network(12)
    // Below every fixture price; cap + 1 rounds to the same double, so only the exact key tells them apart.
    const cap = 45n * 10n ** 16n
    expect(Number(cap + 1n)).toBe(Number(cap))
    sqlite.prepare("update node_gpus set price_per_gpu_hour = ?, price_sort = ? where node_id = 'n1'").run(cap.toString(), cap.toString().padStart(40, '0'))
    sqlite.prepare("update node_gpus set price_per_gpu_hour = ?, price_sort = ? where node_id = 'n2'").run((cap + 1n).toString(), (cap + 1n).toString().padStart(40, '0'))
    const q = { maxPricePerGpuHour: cap }
    expect(search.search(q)).toEqual([expect.objectContaining({ model: 'A100-80GB', nodes: 1, freeGpus: 5, minPrice: cap, maxPrice: cap })])
    expect(search.topOffers(q, 10, byPrice)).toEqual({ offers: [{ nodeId: 'n1', model: 'A100-80GB', free: 5, region: 'eu-central', memoryMb: 81920, pricePerGpuHour: cap, reliability: 0.999 }], matched: 1 })
    expect(search.topOffers({ maxPricePerGpuHour: cap + 1n }, 10, byPrice).matched).toBe(2)
  })

  test('the catalogue names only listed models and regions', () => {
    const { sqlite, search } = network(12)
    sqlite.prepare("update node_gpus set online = 0 where model = 'H200-141GB'").run()
    expect(search.catalogue()).toEqual({
      models: ['A100-80GB', 'H100-80GB', 'L40S-48GB', 'RTX4090-24GB'],
      regions: ['ap-east', 'ap-south', 'eu-central', 'eu-west', 'us-east', 'us-west'],
    })
  })
})
