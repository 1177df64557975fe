import { getAddress, isAddress } from 'viem'
import type { Sqlite } from '../db/openDatabase.ts'
import { UserError } from '../errors/AppError.ts'
import type { ProviderNodeSummary } from '../market/providerSummary.ts'

const DAY = 24 * 3600_000
const BUCKETS_PER_DAY = 288
export const UPTIME_DAYS = 30
export const EARNINGS_EPOCHS = 60

/** A node as the public page shows it: what /provider shows its owner, less
 *  speed, failure reason, rentals and earnings. `gpus` reads "3/4 H100-80GB,
 *  1/1 A100-80GB": free of total per model. */
export type ProviderNodeRow = Pick<ProviderNodeSummary, 'id' | 'region' | 'online' | 'listed' | 'verification' | 'verifiedAt' | 'simulated' | 'reliability' | 'gpus'>

export interface ProviderEarning {
  epoch: number
  /** Base units: the epoch's emission share plus rental earnings. */
  total: bigint
}

export interface ProviderUptimeDay {
  /** Midnight UTC. */
  day: number
  /** Percent of the day's 5-minute buckets its nodes were seen in, averaged over its nodes. */
  uptime: number
}

/** @throws UserError unless the text is a 0x wallet address */
export function parseProviderAddress(text: string | undefined): string {
  if (text === undefined || !isAddress(text, { strict: false })) throw new UserError('address must be a provider wallet address: 0x followed by 40 hex digits.', 'BAD_ADDRESS')
  return getAddress(text)
}

/** A provider's public record by wallet address: its nodes, uptime and earnings. */
export class ProviderProfile {
  private readonly statements

  constructor(private readonly deps: { sqlite: Sqlite; clock: () => number }) {
    const { sqlite } = deps
    this.statements = {
      // Agents register checksummed addresses; older rows and fixtures may be lower case.
      provider: sqlite.prepare<[string, string], { id: number; address: string }>('select id, address from providers where address in (?, ?) order by id limit 1'),
      nodes: sqlite.prepare<[number], { id: string; region: string; online: number; listed: number; verification: ProviderNodeRow['verification']; verifiedAt: number | null; simulated: number; reliability: number }>(
        `select id, region, online, listed, verification, verified_at as verifiedAt, simulated, reliability from nodes where provider_id = ? order by registered_at, id limit 500`,
      ),
      gpus: sqlite.prepare<[number], { nodeId: string; model: string; total: number; allocated: number }>(
        'select g.node_id as nodeId, g.model, g.total, g.allocated from node_gpus g join nodes n on n.id = g.node_id where n.provider_id = ? order by g.model',
      ),
      nodeCount: sqlite.prepare<[number], { n: number }>('select count(*) as n from nodes where provider_id = ?'),
      uptime: sqlite.prepare<[number, number, number], { day: number; buckets: number }>(
        `select (hour_start / ${DAY}) * ${DAY} as day, sum(buckets) as buckets from uptime_hours
         where node_id in (select id from nodes where provider_id = ?) and hour_start >= ? and hour_start < ? group by 1 order by 1`,
      ),
      // One primary-key lookup per recent epoch, whatever account the wallet belongs to now.
      earnings: sqlite.prepare<[number, number], { epoch: number; total: string }>(
        `select s.epoch, s.total from (select number from epochs order by number desc limit ?) e join epoch_statements s on s.epoch = e.number and s.provider_id = ? order by s.epoch desc`,
      ),
    }
  }

  /** The id and stored address of the provider registered with the wallet address in `text`.
   *  @throws UserError when text is not an address (BAD_ADDRESS) or no agent registered with it (NOT_FOUND; `hint` ends that sentence) */
  registered(text: string | undefined, hint?: string): { id: number; address: string } {
    const address = parseProviderAddress(text)
    const provider = this.statements.provider.get(address, address.toLowerCase())
    if (!provider) throw new UserError(`No provider has registered with wallet ${address}${hint ? `; ${hint}` : ''}.`, 'NOT_FOUND')
    return provider
  }

  nodes(providerId: number): { nodes: ProviderNodeRow[]; total: number } {
    const gpus = new Map<string, string[]>()
    for (const g of this.statements.gpus.all(providerId)) gpus.set(g.nodeId, [...(gpus.get(g.nodeId) ?? []), `${g.total - g.allocated}/${g.total} ${g.model}`])
    const nodes = this.statements.nodes.all(providerId).map((n) => ({
      ...n,
      online: n.online === 1,
      listed: n.listed === 1,
      simulated: n.simulated === 1,
      gpus: (gpus.get(n.id) ?? []).join(', '),
    }))
    return { nodes, total: this.nodeCount(providerId) }
  }

  nodeCount(providerId: number): number {
    return this.statements.nodeCount.get(providerId)!.n
  }

  /** The last UPTIME_DAYS whole UTC days, oldest first; a day without a sign of life is 0. */
  uptime(provider: { id: number }, nodeCount: number): ProviderUptimeDay[] {
    const today = Math.floor(this.deps.clock() / DAY) * DAY
    const from = today - UPTIME_DAYS * DAY
    const seen = new Map(this.statements.uptime.all(provider.id, from, today).map((r) => [r.day, r.buckets]))
    return Array.from({ length: UPTIME_DAYS }, (_, i) => {
      const day = from + i * DAY
      const buckets = seen.get(day) ?? 0
      return { day, uptime: nodeCount === 0 ? 0 : Math.round((1000 * buckets) / (BUCKETS_PER_DAY * nodeCount)) / 10 }
    })
  }

  /** Its statements of the last EARNINGS_EPOCHS closed epochs, oldest first. */
  earnings(provider: { id: number }): ProviderEarning[] {
    return this.statements.earnings
      .all(EARNINGS_EPOCHS, provider.id)
      .map((r) => ({ epoch: r.epoch, total: BigInt(r.total) }))
      .reverse()
  }
}
