import { pino } from 'pino'
import { createMetrics } from '../../src/app/metrics.ts'
import { openDatabase } from '../../src/db/openDatabase.ts'
import { AvailabilityCharts } from '../../src/dashboard/AvailabilityCharts.ts'
import { EpochHistory } from '../../src/dashboard/EpochHistory.ts'
import { NetworkOverview } from '../../src/dashboard/NetworkOverview.ts'
import { createHttpApp } from '../../src/http/createHttpApp.ts'
import { dashboardRoutes } from '../../src/http/dashboardRoutes.ts'
import { TokenUnits } from '../../src/ledger/TokenUnits.ts'

/** The public pages over an in-memory database with the real migrations, wired as createApp wires them. */
export function createDashboardHarness(start = Date.UTC(2026, 10, 30, 14, 25)) {
  const { sqlite } = openDatabase(':memory:')
  let now = start
  const clock = () => now
  const units = new TokenUnits('GRID', 18)
  const overview = new NetworkOverview({ sqlite, epochs: new EpochHistory({ sqlite, clock }) })
  const charts = new AvailabilityCharts({ sqlite, units, clock, dataVersion: () => overview.version() })
  const app = createHttpApp({ logger: pino({ level: 'silent' }), metrics: createMetrics({ defaults: false }), healthChecks: [], routes: [dashboardRoutes({ overview, charts, units })] })
  return {
    sqlite,
    clock,
    overview,
    charts,
    app,
    setNow: (t: number) => void (now = t),
    get: (path: string) => app.request(path),
  }
}
