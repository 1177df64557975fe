/** The published reward formula, as one pure function over plain data:
 *
 *    counted GPUs = min(declared, verified) in each 5-minute bucket while the
 *                   node is listed (verified, current, bonded), else 0
 *    served GPUs  = counted GPUs serving a running rental; idle = counted − served
 *    node score   = Σ over its buckets in the epoch of
 *                   (idle + served × served multiplier) × GPU weight
 *                   × off-peak multiplier × renewable multiplier
 *    share        = emission × provider score / total score   (rounded down)
 *    dust         = emission − Σ shares                      (stays in the rewards pool)
 *
 *  A node below the minimum uptime share earns no emission. Weights are taken
 *  to two decimals and multipliers in basis points, so every step is integer
 *  arithmetic and the same data always gives the same amounts. */
export interface RewardParams {
  emission: bigint
  offpeakMultiplierBps: number
  renewableMultiplierBps: number
  minUptimeBps: number
  /** Weight of a served (rented) GPU-bucket against an idle one, in basis points. */
  servedMultiplierBps: number
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
  /** The node's buckets in the epoch, summed by UTC hour of day (all the formula
   *  needs): `gpus` counted (proven) GPU-buckets, `rentedGpus` those serving rentals. */
  uptime: { hour: number; buckets: number; gpus: number; rentedGpus: number }[]
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
  /** Proven GPU-hours: counted GPUs over the node's buckets. */
  verifiedGpuHours: number
  /** The part of them serving rentals. */
  servedGpuHours: number
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
    // Code-point order: the same on every machine, whatever its locale.
    .sort((a, b) => (a.nodeId < b.nodeId ? -1 : a.nodeId > b.nodeId ? 1 : 0))
    .map((node): NodeResult => {
      const totalGpus = node.models.reduce((sum, m) => sum + m.count, 0)
      const weight100 = node.models.reduce((sum, m) => sum + BigInt(Math.round((params.gpuWeights[m.model] ?? DEFAULT_WEIGHT) * 100)) * BigInt(m.count), 0n)
      const window = node.offPeak ?? { startHour: params.offpeakStartHour, endHour: params.offpeakEndHour }
      const renewableBps = BigInt(node.renewable ? params.renewableMultiplierBps : 10_000)
      const servedBps = BigInt(params.servedMultiplierBps)
      // Integer sums first (exact in a double far beyond any epoch), bigint products once per node.
      let buckets = 0
      let offPeakBuckets = 0
      const gpuBuckets = { offPeak: 0, onPeak: 0 }
      const servedBuckets = { offPeak: 0, onPeak: 0 }
      for (const hour of node.uptime) {
        const period = inWindow(hour.hour, window) ? 'offPeak' : 'onPeak'
        buckets += hour.buckets
        if (period === 'offPeak') offPeakBuckets += hour.buckets
        gpuBuckets[period] += hour.gpus
        servedBuckets[period] += hour.rentedGpus
      }
      // (idle + served × multiplier) per period, in basis points of a GPU-bucket
      const weighted = (period: 'offPeak' | 'onPeak') => BigInt(gpuBuckets[period] - servedBuckets[period]) * 10_000n + BigInt(servedBuckets[period]) * servedBps
      const raw = (weighted('offPeak') * BigInt(params.offpeakMultiplierBps) + weighted('onPeak') * 10_000n) * weight100 * renewableBps
      const uptimeBps = Math.floor((Math.min(buckets, expectedBuckets) * 10_000) / expectedBuckets)
      const eligible = uptimeBps >= params.minUptimeBps && totalGpus > 0
      return {
        nodeId: node.nodeId,
        providerId: node.providerId,
        buckets,
        offPeakBuckets,
        verifiedGpuHours: hours(gpuBuckets.offPeak + gpuBuckets.onPeak, bucketMs),
        servedGpuHours: hours(servedBuckets.offPeak + servedBuckets.onPeak, bucketMs),
        uptimeBps,
        renewable: node.renewable,
        eligible,
        // Served weights are in basis points: the 10,000 divides out, so a node with no rentals scores as before.
        score: eligible ? raw / (BigInt(totalGpus) * 10_000n) : 0n,
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

/** GPU-buckets as GPU-hours, to two decimals (shown, not used in the score). */
function hours(gpuBuckets: number, bucketMs: number): number {
  return Math.round(((gpuBuckets * bucketMs) / 3600_000) * 100) / 100
}

/** UTC hour in [start, end), where a window like 22–6 wraps midnight. */
function inWindow(hour: number, { startHour, endHour }: { startHour: number; endHour: number }): boolean {
  return startHour <= endHour ? hour >= startHour && hour < endHour : hour >= startHour || hour < endHour
}
