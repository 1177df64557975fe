import type { Sqlite } from '../db/openDatabase.ts'
import type { AvailabilityQuery, AvailabilitySearch, NodeOffer, RankedOffer } from './searchAvailability.ts'

export const OFFER_SORTS = ['price', 'reliability', 'speed'] as const
export type OfferSort = (typeof OFFER_SORTS)[number]

/** What the agent and the challenges say about a node, read for the rows shown only. */
export interface OfferDetails {
  verifiedAt: number | null
  /** Challenge speed against the model's expected throughput, in basis points; null until measured. */
  measuredSpeedBps: number | null
  /** Declared GPUs (--gpus): their speed is a CPU's and means nothing. */
  simulated: boolean
  driverVersion: string | null
  cudaVersion: string | null
  freeDiskMb: number | null
}

export type DetailedOffer = NodeOffer & OfferDetails

/** Cheapest first, then the more reliable, then by node id: the order /rent's quote walks. */
export function byPrice(a: RankedOffer, b: RankedOffer): number {
  // Doubles round monotonically: when they differ they order as the exact prices do.
  if (a.price !== b.price) return a.price < b.price ? -1 : 1
  if (a.priceSort !== b.priceSort) return a.priceSort < b.priceSort ? -1 : 1
  if (a.reliability !== b.reliability) return b.reliability - a.reliability
  return a.nodeId < b.nodeId ? -1 : a.nodeId > b.nodeId ? 1 : 0
}

export function byReliability(a: RankedOffer, b: RankedOffer): number {
  return a.reliability !== b.reliability ? b.reliability - a.reliability : byPrice(a, b)
}

/** Fastest measured first; nodes without a measured speed (new or simulated) last, by price. */
export function bySpeed(speeds: ReadonlyMap<string, number>): (a: RankedOffer, b: RankedOffer) => number {
  return (a, b) => {
    const sa = speeds.get(a.nodeId) ?? -1
    const sb = speeds.get(b.nodeId) ?? -1
    return sa !== sb ? sb - sa : byPrice(a, b)
  }
}

type DetailRow = { id: string; verifiedAt: number | null; measuredSpeedBps: number | null; simulated: number; driverVersion: string | null; cudaVersion: string | null; freeDiskMb: number | null }

/** /offers: single node offers from the in-memory availability copy, ranked
 *  there, then the detail columns read for the shown rows only (one bounded
 *  IN list). Speed is not in that copy: a map of measured speeds is kept
 *  beside it, read whole once, then only the nodes whose challenge passed
 *  since (a pass sets verified_at and the speed together), found by the
 *  (listed, verified_at) index: at 100,000 nodes a full read costs ~0.3 s. */
export class NodeOffers {
  private readonly statements
  private readonly speeds = new Map<string, number>()
  /** The latest verified_at read; -1 before the first read. */
  private speedsReadUpTo = -1

  constructor(
    sqlite: Sqlite,
    private readonly availability: AvailabilitySearch,
  ) {
    this.statements = {
      // `listed in (0, 1)`: every node, by the index's range on verified_at. Unlisted ones stay in the map harmlessly:
      // only listed offers are ranked, and a node relisted without a new pass keeps the speed read before.
      speedsSince: sqlite.prepare<[number], { id: string; speed: number | null; simulated: number; verifiedAt: number }>(
        'select id, measured_speed_bps as speed, simulated, verified_at as verifiedAt from nodes where listed in (0, 1) and verified_at >= ?',
      ),
      details: sqlite.prepare<[string], DetailRow>(
        `select nodes.id as id, verified_at as verifiedAt, measured_speed_bps as measuredSpeedBps, simulated, driver_version as driverVersion, cuda_version as cudaVersion, free_disk_mb as freeDiskMb
         from json_each(?) ids cross join nodes on nodes.id = ids.value`,
      ),
    }
  }

  /** At most `limit` offers, best first by `sort`, and how many more matched. */
  list(query: AvailabilityQuery, sort: OfferSort, limit: number): { offers: DetailedOffer[]; more: number } {
    const before = sort === 'price' ? byPrice : sort === 'reliability' ? byReliability : bySpeed(this.currentSpeeds())
    const { offers, matched } = this.availability.topOffers(query, limit, before)
    const ids = [...new Set(offers.map((o) => o.nodeId))]
    const details = new Map(this.statements.details.all(JSON.stringify(ids)).map((row) => [row.id, row]))
    const detailed = offers.map((offer): DetailedOffer => {
      const row = details.get(offer.nodeId)
      return {
        ...offer,
        verifiedAt: row?.verifiedAt ?? null,
        measuredSpeedBps: row?.measuredSpeedBps ?? null,
        simulated: row?.simulated === 1,
        driverVersion: row?.driverVersion ?? null,
        cudaVersion: row?.cudaVersion ?? null,
        freeDiskMb: row?.freeDiskMb ?? null,
      }
    })
    return { offers: detailed, more: matched - offers.length }
  }

  /** Measured speeds by node; a simulated node's (a CPU's) counts as unmeasured. */
  private currentSpeeds(): ReadonlyMap<string, number> {
    // `>=`: passes in the same millisecond as the last one read are read again, never missed.
    for (const row of this.statements.speedsSince.iterate(Math.max(this.speedsReadUpTo, 0))) {
      if (row.speed === null || row.simulated === 1) this.speeds.delete(row.id)
      else this.speeds.set(row.id, row.speed)
      if (row.verifiedAt > this.speedsReadUpTo) this.speedsReadUpTo = row.verifiedAt
    }
    return this.speeds
  }
}
