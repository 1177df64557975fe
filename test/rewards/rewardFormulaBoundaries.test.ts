import { describe, expect, test } from 'vitest'
import { computeRewards, type NodeEpochData, type RewardParams } from '../../src/rewards/rewardFormula.ts'

// Exact edges of the published formula: which hours are off-peak, the uptime
// gate at exactly its threshold, and multipliers as exact products. Expected
// scores are worked out here from the formula, never read back from the output.

const HOUR = 3600_000
const BUCKET = 5 * 60_000
const BUCKETS_PER_HOUR = 12
const start = Date.UTC(2026, 10, 26, 0)
const end = start + 24 * HOUR
const H100_WEIGHT_100 = 1000n // weight 10, to two decimals

const params: RewardParams = {
  emission: 1_000_000n,
  offpeakMultiplierBps: 12_500,
  renewableMultiplierBps: 12_000,
  minUptimeBps: 0,
  servedMultiplierBps: 20_000,
  offpeakStartHour: 22,
  offpeakEndHour: 6,
  gpuWeights: { 'H100-80GB': 10 },
}

/** One H100 node up for whole UTC hours of the day (each hour 12 buckets). */
function nodeUpAt(hours: number[], extra: Partial<NodeEpochData> = {}): NodeEpochData {
  return {
    nodeId: 'n',
    providerId: 1,
    renewable: false,
    offPeak: null,
    models: [{ model: 'H100-80GB', count: 1 }],
    uptime: hours.map((hour) => ({ hour, buckets: BUCKETS_PER_HOUR, gpus: BUCKETS_PER_HOUR, rentedGpus: 0 })),
    ...extra,
  }
}

function run(nodes: NodeEpochData[], overrides: Partial<RewardParams> = {}) {
  return computeRewards({
    params: { ...params, ...overrides },
    epochStart: start,
    epochEnd: end,
    bucketMs: BUCKET,
    nodes,
    providers: [...new Set(nodes.map((n) => n.providerId))].map((providerId) => ({ providerId, address: `0x${providerId}`, accountId: providerId, earnings: 0n, carriedIn: 0n })),
  })
}

/** The formula for one idle, non-renewable, single-GPU H100 node: Σ GPU-buckets
 *  × period multiplier (bps) × weight (×100) × renewable multiplier (10,000 bps = 1×). */
function idleScore(onPeakGpuBuckets: number, offPeakGpuBuckets: number): bigint {
  return (BigInt(onPeakGpuBuckets) * 10_000n + BigInt(offPeakGpuBuckets) * 12_500n) * H100_WEIGHT_100 * 10_000n
}

describe('off-peak window 22:00–06:00 UTC, exactly', () => {
  test.each([
    // [label, UTC hour of day, off-peak?] — an hour of day holds minutes :00 to :59.
    ['22:00 is in', 22, true],
    ['23:59 is in', 23, true],
    ['00:00 is in', 0, true],
    ['05:59 is in', 5, true],
    ['21:59 is out', 21, false],
    ['06:00 is out', 6, false],
    ['12:00 is out', 12, false],
  ])('%s', (_label, hour, offPeak) => {
    const result = run([nodeUpAt([hour])])
    expect(result.nodes[0]!.offPeakBuckets).toBe(offPeak ? 12 : 0)
    expect(result.nodes[0]!.score).toBe(offPeak ? idleScore(0, 12) : idleScore(12, 0))
  })

  test('a whole day: exactly the 8 hours 22, 23, 0 … 5 are off-peak', () => {
    const all = Array.from({ length: 24 }, (_, hour) => hour)
    const result = run([nodeUpAt(all)])
    expect(result.nodes[0]!.offPeakBuckets).toBe(8 * 12)
    expect(result.nodes[0]!.score).toBe(idleScore(16 * 12, 8 * 12))
    const offPeakHours = all.filter((hour) => run([nodeUpAt([hour])]).nodes[0]!.offPeakBuckets > 0)
    expect(offPeakHours).toEqual([0, 1, 2, 3, 4, 5, 22, 23])
  })

  test('a window that does not wrap midnight (a node\'s own 09–17) is [start, end)', () => {
    const own = { startHour: 9, endHour: 17 }
    const offPeakHours = Array.from({ length: 24 }, (_, hour) => hour).filter((hour) => run([nodeUpAt([hour], { offPeak: own })]).nodes[0]!.offPeakBuckets > 0)
    expect(offPeakHours).toEqual([9, 10, 11, 12, 13, 14, 15, 16])
  })
})

describe('minimum uptime gate, at exactly the threshold', () => {
  // 288 buckets in the day; 50.00 % is exactly 144 of them.
  const upFor = (buckets: number) =>
    nodeUpAt([], {
      uptime: Array.from({ length: Math.ceil(buckets / 12) }, (_, i) => {
        const n = Math.min(12, buckets - i * 12)
        return { hour: 8 + i, buckets: n, gpus: n, rentedGpus: 0 }
      }),
    })

  test('exactly the minimum share (144 of 288 buckets = 5,000 bps) earns', () => {
    const result = run([upFor(144)], { minUptimeBps: 5_000 })
    expect(result.nodes[0]).toMatchObject({ buckets: 144, uptimeBps: 5_000, eligible: true, score: idleScore(144, 0) })
    expect(result.providers[0]!.emission).toBe(1_000_000n)
  })

  test('one bucket below the minimum (143 → 4,965 bps) earns nothing', () => {
    const result = run([upFor(143)], { minUptimeBps: 5_000 })
    expect(result.nodes[0]).toMatchObject({ buckets: 143, uptimeBps: 4_965, eligible: false, score: 0n })
    expect(result.providers[0]!.emission).toBe(0n)
    expect(result.dust).toBe(1_000_000n)
  })
})

describe('multipliers are exact products', () => {
  const day = Array.from({ length: 24 }, (_, hour) => hour)

  test('renewable is exactly 1.2×, off-peak exactly 1.25×, served exactly 2×', () => {
    const plain = run([nodeUpAt(day)], { offpeakMultiplierBps: 10_000 }).nodes[0]!.score
    expect(plain).toBe(idleScore(288, 0))
    expect(run([nodeUpAt(day, { renewable: true })], { offpeakMultiplierBps: 10_000 }).nodes[0]!.score).toBe((plain * 12_000n) / 10_000n)
    expect(run([nodeUpAt(day, { offPeak: { startHour: 0, endHour: 24 } })]).nodes[0]!.score).toBe((plain * 12_500n) / 10_000n)
    const served = nodeUpAt([], { uptime: day.map((hour) => ({ hour, buckets: 12, gpus: 12, rentedGpus: 12 })) })
    expect(run([served], { offpeakMultiplierBps: 10_000 }).nodes[0]!.score).toBe(plain * 2n)
  })

  test('all three at once multiply: 1.25 × 1.2 × 2 = 3× on an all-off-peak, renewable, fully rented node', () => {
    const day24 = nodeUpAt([], { renewable: true, offPeak: { startHour: 0, endHour: 24 }, uptime: day.map((hour) => ({ hour, buckets: 12, gpus: 12, rentedGpus: 12 })) })
    expect(run([day24]).nodes[0]!.score).toBe(idleScore(288, 0) * 3n)
  })

  test('shares follow the scores exactly: ⌊emission × score / total⌋ per provider', () => {
    const a = nodeUpAt(day, { nodeId: 'a', providerId: 1, renewable: true })
    const b = nodeUpAt(day, { nodeId: 'b', providerId: 2 })
    const result = run([a, b], { emission: 1_000_003n })
    const scoreB = idleScore(16 * 12, 8 * 12)
    const scoreA = (scoreB * 12_000n) / 10_000n
    expect(result.nodes.map((n) => n.score)).toEqual([scoreA, scoreB])
    const shareA = (1_000_003n * scoreA) / (scoreA + scoreB)
    const shareB = (1_000_003n * scoreB) / (scoreA + scoreB)
    expect(result.providers.map((p) => p.emission)).toEqual([shareA, shareB])
    expect(result.dust).toBe(1_000_003n - shareA - shareB)
    // 1.2 : 1 of 1,000,003 is 545,456.18… : 454,546.81…
    expect([shareA, shareB]).toEqual([545_456n, 454_546n])
  })
})

describe('ordering, sums and degenerate inputs', () => {
  const day = Array.from({ length: 24 }, (_, hour) => hour)

  test('nodes come out in code-point order of their ids and providers by id, whatever order they came in', () => {
    const ids = ['b', 'a', 'B', 'aa', 'Z']
    const result = computeRewards({
      params,
      epochStart: start,
      epochEnd: end,
      bucketMs: BUCKET,
      nodes: ids.map((nodeId, i) => nodeUpAt(day, { nodeId, providerId: 5 - i })),
      providers: [3, 1, 5, 2, 4].map((providerId) => ({ providerId, address: `0x${providerId}`, accountId: providerId, earnings: 0n, carriedIn: 0n })),
    })
    expect(result.nodes.map((n) => n.nodeId)).toEqual(['B', 'Z', 'a', 'aa', 'b'])
    expect(result.providers.map((p) => p.providerId)).toEqual([1, 2, 3, 4, 5])
  })

  test('a provider\'s score is the sum of its nodes\' scores, and the total the sum of all', () => {
    const result = run([nodeUpAt(day, { nodeId: 'a', providerId: 1 }), nodeUpAt(day, { nodeId: 'b', providerId: 1, renewable: true }), nodeUpAt(day, { nodeId: 'c', providerId: 2 })])
    const plain = idleScore(16 * 12, 8 * 12)
    const green = (plain * 12_000n) / 10_000n
    expect(result.providers.map((p) => p.score)).toEqual([plain + green, plain])
    expect(result.totalScore).toBe(2n * plain + green)
    expect(result.providers.map((p) => p.emission)).toEqual([(1_000_000n * (plain + green)) / (2n * plain + green), (1_000_000n * plain) / (2n * plain + green)])
  })

  test('a node with no GPUs earns nothing (and does not divide by zero), even when always up', () => {
    const result = run([nodeUpAt(day, { models: [] }), nodeUpAt(day, { nodeId: 'm', providerId: 2 })])
    expect(result.nodes[0]).toMatchObject({ nodeId: 'm', eligible: true })
    expect(result.nodes[1]).toMatchObject({ nodeId: 'n', uptimeBps: 10_000, eligible: false, score: 0n })
    expect(result.providers.map((p) => p.emission)).toEqual([0n, 1_000_000n])
  })

  test('a window that starts and ends at the same hour is empty, not the whole day', () => {
    const result = run([nodeUpAt(day, { offPeak: { startHour: 6, endHour: 6 } })])
    expect(result.nodes[0]!.offPeakBuckets).toBe(0)
    expect(result.nodes[0]!.score).toBe(idleScore(288, 0))
  })
})
