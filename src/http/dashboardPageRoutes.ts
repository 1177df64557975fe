import { Hono, type Context } from 'hono'
import { AppError, UserError } from '../errors/AppError.ts'
import type { TokenUnits } from '../ledger/TokenUnits.ts'
import type { DashboardCharts, DashboardChartName } from '../dashboard/DashboardCharts.ts'
import { epochPageHtml, epochsPageHtml } from '../dashboard/epochPages.ts'
import type { EpochHistory } from '../dashboard/EpochHistory.ts'
import { problemPage, PUBLIC_PAGE_CSP } from '../dashboard/pageLayout.ts'
import { proposalPageHtml, proposalsPageHtml } from '../dashboard/proposalPages.ts'
import { isProposalId, type ProposalResults } from '../dashboard/ProposalResults.ts'
import { providerPageHtml } from '../dashboard/providerPage.ts'
import { parseProviderAddress, type ProviderProfile } from '../dashboard/ProviderProfile.ts'
import { setChartHeaders, setPageHeaders } from './dashboardHeaders.ts'

export interface DashboardPageDeps {
  proposals: ProposalResults
  epochs: EpochHistory
  providers: ProviderProfile
  charts: DashboardCharts
  units: TokenUnits
  clock: () => number
}

/** The public pages for proposals, epochs and providers, and their charts.
 *  Server-rendered, no scripts; a bad or unknown id gets a page with one sentence. */
export function dashboardPageRoutes({ proposals, epochs, providers, charts, units, clock }: DashboardPageDeps): Hono {
  const app = new Hono()
  const page = (c: Context, render: () => string) => {
    setPageHeaders(c, PUBLIC_PAGE_CSP)
    try {
      return c.html(render())
    } catch (error) {
      if (!(error instanceof AppError) || !error.userMessage) throw error
      const missing = error.code === 'NOT_FOUND'
      return c.html(problemPage(missing ? 'Not found' : 'Bad request', error.userMessage), missing ? 404 : 400)
    }
  }

  app.get('/proposals', (c) => page(c, () => proposalsPageHtml(proposals.list(), { units })))
  app.get('/proposals/:id', (c) =>
    page(c, () => {
      const id = c.req.param('id')
      if (!isProposalId(id)) throw new UserError('A proposal id has letters, digits and dashes, such as /proposals/p12.', 'BAD_REQUEST')
      return proposalPageHtml(proposals.detail(id), { units, now: clock() })
    }),
  )

  app.get('/epochs', (c) => page(c, () => epochsPageHtml(epochs.list(), { units })))
  app.get('/epochs/:number', (c) =>
    page(c, () => {
      const param = c.req.param('number')
      if (!/^\d{1,9}$/.test(param)) throw new UserError('An epoch is a whole number, such as /epochs/12.', 'BAD_REQUEST')
      const pageParam = c.req.query('page')
      if (pageParam !== undefined && !/^[1-9]\d{0,5}$/.test(pageParam)) throw new UserError('page must be a whole number from 1, such as page=2.', 'BAD_REQUEST')
      const number = Number(param)
      const epoch = epochs.get(number, pageParam === undefined ? 1 : Number(pageParam))
      if (!epoch) throw new UserError(`No closed epoch ${number}; /epochs lists them.`, 'NOT_FOUND')
      const addressParam = c.req.query('address')?.trim()
      const address = addressParam ? parseProviderAddress(addressParam) : undefined
      return epochPageHtml(epoch, { units, lookup: address ? { address, proof: epochs.proof(number, address) } : undefined })
    }),
  )

  app.get('/providers/:address', (c) =>
    page(c, () => {
      const provider = providers.registered(c.req.param('address'))
      const { nodes, total } = providers.nodes(provider.id)
      return providerPageHtml({ address: provider.address, nodes, nodeCount: total, uptime: providers.uptime(provider, total), earnings: providers.earnings(provider) }, { units })
    }),
  )

  app.get('/charts/:file{(proposal|epochs|earnings|uptime)\\.png}', async (c) => {
    const name = c.req.param('file').slice(0, -'.png'.length) as DashboardChartName
    const png = await charts.png(name, { id: c.req.query('id'), address: c.req.query('address') })
    setChartHeaders(c, 'image/png')
    return c.body(new Uint8Array(png))
  })
  return app
}
