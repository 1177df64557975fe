import { Hono } from 'hono'
import type { TokenUnits } from '../ledger/TokenUnits.ts'
import { parseChartQuery, type AvailabilityCharts } from '../dashboard/AvailabilityCharts.ts'
import type { ChartFormat } from '../dashboard/ChartDrawing.ts'
import { networkPageHtml } from '../dashboard/networkPage.ts'
import type { NetworkOverview } from '../dashboard/NetworkOverview.ts'
import { NETWORK_PAGE_CSP } from '../dashboard/pageLayout.ts'
import { setChartHeaders, setPageHeaders } from './dashboardHeaders.ts'

const CONTENT_TYPES: Record<ChartFormat, string> = { png: 'image/png', svg: 'image/svg+xml' }

/** The public pages: `/` and the network chart. Server-rendered, no scripts. */
export function dashboardRoutes({ overview, charts, units }: { overview: NetworkOverview; charts: AvailabilityCharts; units: TokenUnits }): Hono {
  const app = new Hono()
  app.get('/', (c) => {
    setPageHeaders(c, NETWORK_PAGE_CSP)
    return c.html(networkPageHtml(overview.read(), { units }))
  })
  app.get('/charts/:file{availability\\.(png|svg)}', async (c) => {
    const format: ChartFormat = c.req.param('file').endsWith('.svg') ? 'svg' : 'png'
    const chart = await charts.render(parseChartQuery({ model: c.req.query('model'), days: c.req.query('days') }), format)
    setChartHeaders(c, CONTENT_TYPES[format])
    return c.body(typeof chart === 'string' ? chart : new Uint8Array(chart))
  })
  return app
}
