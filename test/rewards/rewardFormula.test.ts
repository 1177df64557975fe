import { describe, expect, test } from 'vitest'
import { computeRewards, type NodeEpochData, type RewardParams } from '../../src/rewards/rewardFormula.ts'

const HOUR = 3600_000
const BUCKET = 5 * 60_000
const start = Date.UTC(2026, 10, 26, 0)
const end = start + 24 * HOUR
const params: RewardParams = {
  emission: 1_000_000n,
  offpeakMultiplierBps: 12_500,
  renewableMultiplierBps: 12_000,
  minUptimeBps: 5_000,
  servedMultiplierBps: 20_000,
  offpeakStartHour: 22,
  offpeakEndHour: 6,
  gpuWeights: { 'H100-80GB': 10, 'RTX4090-24GB': 1.25 },
}

/** Buckets every 5 minutes over [from, to) with `gpus` counted (`rented` of them serving rentals), summed by hour of day as the epoch closer does. */
function buckets(from: number, to: number, gpus = 1, rented = 0) {
  const byHour = new Map<number, { hour: number; buckets: number; gpus: number; rentedGpus: number }>()
  for (let t = from; t < to; t += BUCKET) {
    if (t < start || t >= end) continue
    const hour = new Date(t).getUTCHours()
    const entry = byHour.get(hour) ?? { hour, buckets: 0, gpus: 0, rentedGpus: 0 }
    entry.buckets++
    entry.gpus += gpus
    entry.rentedGpus += rented
    byHour.set(hour, entry)
  }
  return [...byHour.values()]
}

/** Two hour-of-day lists as one (the closer sums by hour). */
function merge(...lists: ReturnType<typeof buckets>[]) {
  const byHour = new Map<number, ReturnType<typeof buckets>[number]>()
  for (const entry of lists.flat()) {
    const same = byHour.get(entry.hour)
    byHour.set(entry.hour, same ? { hour: entry.hour, buckets: same.buckets + entry.buckets, gpus: same.gpus + entry.gpus, rentedGpus: same.rentedGpus + entry.rentedGpus } : entry)
  }
  return [...byHour.values()]
}

function node(id: string, providerId: number, extra: Partial<NodeEpochData> = {}): NodeEpochData {
  return { nodeId: id, providerId, renewable: false, offPeak: null, models: [{ model: 'H100-80GB', count: 1 }], uptime: buckets(start, end), ...extra }
}

const provider = (providerId: number) => ({ providerId, address: `0x${providerId}`, accountId: providerId, earnings: 0n, carriedIn: 0n })

function run(nodes: NodeEpochData[], providerCount = 2, overrides: Partial<RewardParams> = {}) {
  return computeRewards({ params: { ...params, ...overrides }, epochStart: start, epochEnd: end, bucketMs: BUCKET, nodes, providers: Array.from({ length: providerCount }, (_, i) => provider(i + 1)) })
}

describe('reward formula', () => {
  test('GPU weights: an H100 earns 8× an RTX 4090 for the same uptime', () => {
    const result = run([node('a', 1), node('b', 2, { models: [{ model: 'RTX4090-24GB', count: 1 }] })])
    expect(result.providers[0]!.score).toBe(result.providers[1]!.score * 8n)
    expect(result.providers.map((p) => p.emission)).toEqual([888_888n, 111_111n])
    expect(result.dust).toBe(1n)
  })

  test('off-peak buckets count 1.25×: 8 of 24 hours are off-peak', () => {
    const result = run([node('a', 1), node('b', 2, { uptime: buckets(start, end) })], 2, { offpeakMultiplierBps: 10_000 })
    expect(result.providers[0]!.emission).toBe(result.providers[1]!.emission)
    const withOffPeak = run([node('a', 1)], 1)
    const withoutOffPeak = run([node('a', 1)], 1, { offpeakMultiplierBps: 10_000 })
    expect(withOffPeak.nodes[0]!.offPeakBuckets).toBe(96)
    // (16 h × 1 + 8 h × 1.25) / 24 h
    expect((withOffPeak.totalScore * 24n) / withoutOffPeak.totalScore).toBe(26n)
  })

  test('a node\'s own off-peak window replaces the network window', () => {
    const result = run([node('a', 1, { offPeak: { startHour: 0, endHour: 24 } })], 1)
    expect(result.nodes[0]!.offPeakBuckets).toBe(288)
  })

  test('renewable nodes get 1.2×', () => {
    const result = run([node('a', 1, { renewable: true }), node('b', 2)])
    expect((result.providers[0]!.score * 10n) / result.providers[1]!.score).toBe(12n)
  })

  test('reliability gate: below the minimum uptime share, no emission', () => {
    const result = run([node('a', 1, { uptime: buckets(start, start + 11 * HOUR) }), node('b', 2)])
    expect(result.nodes[0]).toMatchObject({ eligible: false, uptimeBps: 4583, score: 0n })
    expect(result.providers.map((p) => p.emission)).toEqual([0n, 1_000_000n])
  })

  test('shares sum exactly to the emission; the remainder is dust kept in the pool', () => {
    const nodes = Array.from({ length: 7 }, (_, i) => node(`n${i}`, (i % 3) + 1, { uptime: buckets(start, end - i * HOUR) }))
    const result = run(nodes, 3, { emission: 1_000_003n })
    expect(result.providers.reduce((s, p) => s + p.emission, 0n) + result.dust).toBe(1_000_003n)
    expect(result.dust).toBeLessThan(3n)
  })

  test('a provider with many nodes sums their scores, and earnings and carry-over add to the total', () => {
    const result = computeRewards({
      params,
      epochStart: start,
      epochEnd: end,
      bucketMs: BUCKET,
      nodes: [node('a', 1), node('b', 1), node('c', 2)],
      providers: [
        { ...provider(1), earnings: 500n, carriedIn: 7n },
        provider(2),
      ],
    })
    expect(result.providers[0]).toMatchObject({ emission: 666_666n, total: 666_666n + 500n + 7n })
    expect(result.providers[1]).toMatchObject({ emission: 333_333n, total: 333_333n })
  })

  test('an epoch with no providers emits nothing', () => {
    expect(run([], 0)).toEqual({ nodes: [], providers: [], totalScore: 0n, dust: 1_000_000n })
  })

  test('served GPU-hours weigh 2× idle ones: the shares follow idle + 2 × served GPU-buckets', () => {
    // a: 4 GPUs all day, one of them rented 00:00–12:00 → 4 × 288 − 144 idle + 2 × 144 served = 1,296
    // b: 2 GPUs all day, idle → 576; shares of 1,000,000 are ⌊1,296 / 1,872⌋ and ⌊576 / 1,872⌋
    const a = node('a', 1, { models: [{ model: 'H100-80GB', count: 4 }], uptime: merge(buckets(start, start + 12 * HOUR, 4, 1), buckets(start + 12 * HOUR, end, 4)) })
    const b = node('b', 2, { models: [{ model: 'H100-80GB', count: 2 }], uptime: buckets(start, end, 2) })
    const result = run([a, b], 2, { offpeakMultiplierBps: 10_000 })
    expect(result.providers.map((p) => p.emission)).toEqual([692_307n, 307_692n])
    expect(result.dust).toBe(1n)
    expect(result.nodes.map((n) => [n.nodeId, n.verifiedGpuHours, n.servedGpuHours])).toEqual([
      ['a', 96, 12],
      ['b', 48, 0],
    ])
  })

  test('a served multiplier of 1× pays rented and idle GPU-hours alike', () => {
    const rented = node('a', 1, { uptime: buckets(start, end, 1, 1) })
    const idle = node('b', 2)
    const result = run([rented, idle], 2, { servedMultiplierBps: 10_000 })
    expect(result.providers.map((p) => p.emission)).toEqual([500_000n, 500_000n])
  })

  test('buckets outside the epoch do not count', () => {
    const result = run([node('a', 1, { uptime: buckets(start - HOUR, start) })], 1)
    expect(result.nodes[0]!.buckets).toBe(0)
  })
})
