import type { Hono } from 'hono'
import type { Sqlite } from '../db/openDatabase.ts'
import { DashboardCharts } from '../dashboard/DashboardCharts.ts'
import { EpochHistory } from '../dashboard/EpochHistory.ts'
import { ProposalResults, type ProposalReader } from '../dashboard/ProposalResults.ts'
import { ProviderProfile } from '../dashboard/ProviderProfile.ts'
import type { TokenUnits } from '../ledger/TokenUnits.ts'
import { dashboardPageRoutes } from './dashboardPageRoutes.ts'

export interface DashboardPagesDeps {
  sqlite: Sqlite
  governance: ProposalReader
  units: TokenUnits
  clock: () => number
}

/** The proposal, epoch and provider pages with their charts, over one database;
 *  `epochs` is shared with `/` so the latest epoch's payouts are summed once for both. */
export function createDashboardPages(deps: DashboardPagesDeps): { routes: Hono; charts: DashboardCharts; epochs: EpochHistory } {
  const { sqlite, units, clock } = deps
  const proposals = new ProposalResults({ governance: deps.governance, sqlite, decimals: units.decimals })
  const epochs = new EpochHistory({ sqlite, clock })
  const providers = new ProviderProfile({ sqlite, clock })
  const charts = new DashboardCharts({ proposals, epochs, providers, units })
  return { routes: dashboardPageRoutes({ proposals, epochs, providers, charts, units, clock }), charts, epochs }
}
