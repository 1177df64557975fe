import { formatUnits } from 'viem'
import type { TopLevelSpec } from 'vega-lite'
import { UserError } from '../errors/AppError.ts'
import type { TokenUnits } from '../ledger/TokenUnits.ts'
import { ChartCache } from './ChartCache.ts'
import type { ChartFormat } from './ChartDrawing.ts'
import { earningsChartSpec, epochsChartSpec, proposalChartSpec, uptimeChartSpec } from './dashboardChartSpecs.ts'
import type { EpochHistory } from './EpochHistory.ts'
import { isProposalId, type ProposalResults } from './ProposalResults.ts'
import { UPTIME_DAYS, type ProviderProfile } from './ProviderProfile.ts'

export const DASHBOARD_CHARTS = ['proposal', 'epochs', 'earnings', 'uptime'] as const
export type DashboardChartName = (typeof DASHBOARD_CHARTS)[number]
const EPOCHS_CHARTED = 60

export type ChartQuery = { id?: string; address?: string }

export interface DashboardChartsDeps {
  proposals: ProposalResults
  epochs: EpochHistory
  providers: ProviderProfile
  units: TokenUnits
}

/** @throws UserError naming the parameter and its expected form */
function parseProposalId(text: string | undefined): string {
  if (!isProposalId(text)) throw new UserError('id must be a proposal id such as id=p12.', 'BAD_CHART_QUERY')
  return text.toLowerCase()
}

/** The proposal, epochs, earnings and uptime charts. Each request reads its
 *  few points (indexed reads, a memoized tally); a drawing is keyed by those
 *  points, so it is redrawn exactly when what it shows changed. */
export class DashboardCharts {
  private readonly cache = new ChartCache()

  constructor(private readonly deps: DashboardChartsDeps) {}

  /** @throws UserError for a malformed parameter (400) or an unknown proposal or provider (404) */
  png(name: DashboardChartName, query: ChartQuery): Promise<Buffer> {
    return this.drawn(name, query, 'png') as Promise<Buffer>
  }

  /** The same drawing before rasterizing: what the PNG shows, as text. */
  svg(name: DashboardChartName, query: ChartQuery): Promise<string> {
    return this.drawn(name, query, 'svg') as Promise<string>
  }

  private drawn(name: DashboardChartName, query: ChartQuery, format: ChartFormat): Promise<Buffer | string> {
    const { spec, points } = this.read(name, query)
    return this.cache.kept(`${format}|${JSON.stringify(spec)}|${JSON.stringify(points)}`, () => this.cache.draw(spec, points, format))
  }

  private read(name: DashboardChartName, query: ChartQuery): { spec: TopLevelSpec; points: object[] } {
    const { symbol, decimals } = this.deps.units
    const tokens = (amount: bigint) => Number(formatUnits(amount, decimals))
    switch (name) {
      case 'proposal':
        return { spec: proposalChartSpec({ title: 'Voting power per choice; dashed line: quorum', symbol }), points: this.deps.proposals.chartPoints(parseProposalId(query.id)) }
      case 'epochs': {
        const rows = this.deps.epochs.list(EPOCHS_CHARTED).reverse()
        const points = rows.flatMap((r) => [
          { epoch: r.number, series: 'Emission', amount: tokens(r.emission) },
          { epoch: r.number, series: 'Paid', amount: tokens(r.paid) },
        ])
        return { spec: epochsChartSpec({ empty: rows.length === 0, symbol }), points }
      }
      case 'earnings': {
        const provider = this.provider(query.address)
        const earnings = this.deps.providers.earnings(provider)
        const title = earnings.length === 0 ? 'No earnings in a closed epoch yet' : `Earnings per epoch (${symbol})`
        return { spec: earningsChartSpec({ title, empty: earnings.length === 0, symbol }), points: earnings.map((e) => ({ epoch: e.epoch, amount: tokens(e.total) })) }
      }
      case 'uptime': {
        const provider = this.provider(query.address)
        const points = this.deps.providers.uptime(provider, this.deps.providers.nodeCount(provider.id))
        return { spec: uptimeChartSpec({ title: `Daily uptime, last ${UPTIME_DAYS} days (UTC)` }), points }
      }
    }
  }

  private provider(text: string | undefined): { id: number; address: string } {
    return this.deps.providers.registered(text, 'expected the address its agent signs with')
  }
}
