import { describe, expect, test } from 'vitest'
import { createMarketHarness } from '../support/marketHarness.ts'

describe('NodeRegistry', () => {
  test('a registered node is searchable at once with canonical model names', () => {
    const h = createMarketHarness()
    h.provider(1, { gpus: [{ name: 'NVIDIA GeForce RTX 4090', memoryMb: 24564, count: 4 }], pricePerGpuHour: '0.4', region: 'us-east' })
    h.provider(2)
    expect(h.market.search({})).toEqual([
      { model: 'RTX4090-24GB', freeGpus: 4, nodes: 1, minPrice: 4n * 10n ** 17n, maxPrice: 4n * 10n ** 17n, regions: ['us-east'], medianReliability: 1, memoryMb: 24564 },
      { model: 'H100-80GB', freeGpus: 2, nodes: 1, minPrice: 2n * 10n ** 18n, maxPrice: 2n * 10n ** 18n, regions: ['eu-west'], medianReliability: 1, memoryMb: 81559 },
    ])
  })

  test('search filters by model, count, memory, price, region and reliability', () => {
    const h = createMarketHarness()
    h.provider(1, { pricePerGpuHour: '2', region: 'eu-west' })
    h.provider(2, { pricePerGpuHour: '3', region: 'us-east', gpus: [{ name: 'H100-80GB', memoryMb: 81559, count: 4 }] })
    h.provider(3, { pricePerGpuHour: '0.5', gpus: [{ name: 'RTX4090-24GB', memoryMb: 24564, count: 1 }] })
    expect(h.market.search({ count: 3 }).map((g) => [g.model, g.freeGpus])).toEqual([['H100-80GB', 4]])
    expect(h.market.search({ minVramGb: 80 }).map((g) => g.model)).toEqual(['H100-80GB'])
    expect(h.market.search({ maxPricePerGpuHour: 2n * 10n ** 18n }).map((g) => [g.model, g.nodes])).toEqual([['RTX4090-24GB', 1], ['H100-80GB', 1]])
    expect(h.market.search({ region: 'us-east' }).map((g) => g.model)).toEqual(['H100-80GB'])
    expect(h.market.search({ model: 'H100-80GB' })[0]).toMatchObject({ freeGpus: 6, nodes: 2, minPrice: 2n * 10n ** 18n, maxPrice: 3n * 10n ** 18n, regions: ['eu-west', 'us-east'] })
    expect(h.market.search({ minReliability: 1.01 })).toEqual([])
  })

  test('a node goes offline once a heartbeat is a quarter-interval late and back online with the next', () => {
    const h = createMarketHarness()
    const { address, nodeId, accountId } = h.provider(1)
    h.clock.now += 37_500
    expect(h.registry.markOffline()).toEqual([])
    h.clock.now += 1
    expect(h.registry.markOffline()).toEqual([nodeId])
    expect(h.market.search({})).toEqual([])
    h.registry.heartbeat(address, nodeId, {})
    expect(h.market.search({})).toHaveLength(1)
    const notes = h.sqlite.prepare('select account_id as accountId, reply from notifications order by id').all() as { accountId: number; reply: string }[]
    expect(notes.map((n) => [n.accountId, JSON.parse(n.reply).text])).toEqual([
      [accountId, `Node ${nodeId} went offline (no heartbeat for 38 s). Its rentals are being moved or refunded.`],
      [accountId, `Node ${nodeId} is back online.`],
    ])
  })

  test('uptime is kept in 5-minute buckets and gives reliability', () => {
    const h = createMarketHarness()
    const { address, nodeId } = h.provider(1)
    for (let i = 0; i < 60; i++) {
      h.clock.now += 30_000
      h.registry.heartbeat(address, nodeId, {})
    }
    h.clock.now += 30 * 60_000 // 6 buckets without a heartbeat
    h.registry.heartbeat(address, nodeId, {})
    const buckets = h.sqlite.prepare('select count(*) as n from uptime_buckets where node_id = ?').get(nodeId) as { n: number }
    expect(buckets.n).toBe(8) // 12:00–12:30 is 7 buckets, then 13:00
    const reliability = (h.sqlite.prepare('select reliability from nodes where id = ?').get(nodeId) as { reliability: number }).reliability
    expect(reliability).toBe(0.615) // 8 of 13 buckets, to three decimals
  })

  test('error: a provider cannot heartbeat another provider\'s node', () => {
    const h = createMarketHarness()
    const mallory = h.provider(1)
    const victim = h.provider(2)
    expect(() => h.registry.heartbeat(mallory.address, victim.nodeId, {})).toThrow(
      expect.objectContaining({ code: 'FORBIDDEN', userMessage: `Node ${victim.nodeId} does not belong to this provider.` }),
    )
  })
})
