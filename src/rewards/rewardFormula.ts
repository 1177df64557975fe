/** The published reward formula, as one pure function over plain data:
 *
 *    node score  = Σ over its 5-minute buckets in the epoch of
 *                  GPUs seen × GPU weight × off-peak multiplier × renewable multiplier
 *    share       = emission × provider score / total score   (rounded down)
 *    dust        = emission − Σ shares                      (stays in the rewards pool)
 *
 *  A node below the minimum uptime share earns no emission. Weights are taken
 *  to two decimals and multipliers in basis points, so every step is integer
 *  arithmetic and the same data always gives the same amounts. */
export interface RewardParams {
  emission: bigint
  offpeakMultiplierBps: number
  renewableMultiplierBps: number
  minUptimeBps: number
  /** Network-wide off-peak window in UTC hours [start, end), wrapping midnight. */
  offpeakStartHour: number
  offpeakEndHour: number
  gpuWeights: Record<string, number>
}

export interface NodeEpochData {
  nodeId: string
  providerId: number
  renewable: boolean
  /** The node's own off-peak window, if its provider declared one. */
  offPeak: { startHour: number; endHour: number } | null
  models: { model: string; count: number }[]
  /** The node's buckets in the epoch, summed by UTC hour of day (all the formula needs). */
  uptime: { hour: number; buckets: number; gpus: number }[]
}

export interface ProviderEpochData {
  providerId: number
  address: string
  accountId: number
  /** Rental earnings settled in the epoch (after fees). */
  earnings: bigint
  /** Below-minimum amount carried over from the previous epoch. */
  carriedIn: bigint
}

export interface NodeResult {
  nodeId: string
  providerId: number
  buckets: number
  offPeakBuckets: number
  gpuHours: number
  uptimeBps: number
  renewable: boolean
  eligible: boolean
  score: bigint
}

export interface ProviderResult extends ProviderEpochData {
  score: bigint
  emission: bigint
  total: bigint
}

export interface RewardResult {
  nodes: NodeResult[]
  providers: ProviderResult[]
  totalScore: bigint
  dust: bigint
}

const DEFAULT_WEIGHT = 1

export function computeRewards({
  params,
  epochStart,
  epochEnd,
  bucketMs,
  nodes,
  providers,
}: {
  params: RewardParams
  epochStart: number
  epochEnd: number
  bucketMs: number
  nodes: NodeEpochData[]
  providers: ProviderEpochData[]
}): RewardResult {
  const expectedBuckets = Math.max(1, Math.ceil((epochEnd - epochStart) / bucketMs))
  const nodeResults = [...nodes]
    .sort((a, b) => a.nodeId.localeCompare(b.nodeId))
    .map((node): NodeResult => {
      const totalGpus = node.models.reduce((sum, m) => sum + m.count, 0)
      const weight100 = node.models.reduce((sum, m) => sum + BigInt(Math.round((params.gpuWeights[m.model] ?? DEFAULT_WEIGHT) * 100)) * BigInt(m.count), 0n)
      const window = node.offPeak ?? { startHour: params.offpeakStartHour, endHour: params.offpeakEndHour }
      const renewableBps = BigInt(node.renewable ? params.renewableMultiplierBps : 10_000)
      let raw = 0n
      let buckets = 0
      let offPeakBuckets = 0
      let gpuBuckets = 0
      for (const hour of node.uptime) {
        const offPeak = inWindow(hour.hour, window)
        buckets += hour.buckets
        if (offPeak) offPeakBuckets += hour.buckets
        gpuBuckets += hour.gpus
        raw += BigInt(hour.gpus) * weight100 * BigInt(offPeak ? params.offpeakMultiplierBps : 10_000) * renewableBps
      }
      const uptimeBps = Math.floor((Math.min(buckets, expectedBuckets) * 10_000) / expectedBuckets)
      const eligible = uptimeBps >= params.minUptimeBps && totalGpus > 0
      return {
        nodeId: node.nodeId,
        providerId: node.providerId,
        buckets,
        offPeakBuckets,
        gpuHours: Math.round(((gpuBuckets * bucketMs) / 3600_000) * 100) / 100,
        uptimeBps,
        renewable: node.renewable,
        eligible,
        score: eligible && totalGpus > 0 ? raw / BigInt(totalGpus) : 0n,
      }
    })
  const scoreByProvider = new Map<number, bigint>()
  for (const node of nodeResults) scoreByProvider.set(node.providerId, (scoreByProvider.get(node.providerId) ?? 0n) + node.score)
  const totalScore = [...scoreByProvider.values()].reduce((a, b) => a + b, 0n)
  const providerResults = [...providers]
    .sort((a, b) => a.providerId - b.providerId)
    .map((provider): ProviderResult => {
      const score = scoreByProvider.get(provider.providerId) ?? 0n
      const emission = totalScore === 0n ? 0n : (params.emission * score) / totalScore
      return { ...provider, score, emission, total: provider.carriedIn + emission + provider.earnings }
    })
  const emitted = providerResults.reduce((sum, p) => sum + p.emission, 0n)
  return { nodes: nodeResults, providers: providerResults, totalScore, dust: params.emission - emitted }
}

/** UTC hour in [start, end), where a window like 22–6 wraps midnight. */
function inWindow(hour: number, { startHour, endHour }: { startHour: number; endHour: number }): boolean {
  return startHour <= endHour ? hour >= startHour && hour < endHour : hour >= startHour || hour < endHour
}
