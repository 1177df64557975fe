import { Hono } from 'hono'
import type { TokenUnits } from '../ledger/TokenUnits.ts'
import { parseChartQuery, type AvailabilityCharts, type ChartFormat } from '../dashboard/AvailabilityCharts.ts'
import { NETWORK_PAGE_CSP, networkPageHtml } from '../dashboard/networkPage.ts'
import type { NetworkOverview } from '../dashboard/NetworkOverview.ts'

const CONTENT_TYPES: Record<ChartFormat, string> = { png: 'image/png', svg: 'image/svg+xml' }
// An SVG opened on its own is a document: no scripts in it either.
const CHART_CSP = "default-src 'none'; style-src 'unsafe-inline'"

/** The public pages: `/` and the network chart. Server-rendered, no scripts. */
export function dashboardRoutes({ overview, charts, units }: { overview: NetworkOverview; charts: AvailabilityCharts; units: TokenUnits }): Hono {
  const app = new Hono()
  app.get('/', (c) => {
    c.header('Content-Security-Policy', NETWORK_PAGE_CSP)
    c.header('X-Content-Type-Options', 'nosniff')
    c.header('Cache-Control', 'no-cache')
    return c.html(networkPageHtml(overview.read(), { units }))
  })
  app.get('/charts/:file{availability\\.(png|svg)}', async (c) => {
    const format: ChartFormat = c.req.param('file').endsWith('.svg') ? 'svg' : 'png'
    const chart = await charts.render(parseChartQuery({ model: c.req.query('model'), days: c.req.query('days') }), format)
    c.header('Content-Type', CONTENT_TYPES[format])
    c.header('Content-Security-Policy', CHART_CSP)
    c.header('X-Content-Type-Options', 'nosniff')
    // Charts change with the next snapshot (minutes): browsers may keep one for a minute.
    c.header('Cache-Control', 'public, max-age=60')
    return c.body(typeof chart === 'string' ? chart : new Uint8Array(chart))
  })
  return app
}
