import { createHash } from 'node:crypto'
import type { TokenUnits } from '../ledger/TokenUnits.ts'
import { html, type Html } from './html.ts'
import type { MarketRow, NetworkOverviewData } from './NetworkOverview.ts'
import { DEFAULT_CHART_DAYS } from './AvailabilityCharts.ts'
import { pageDocument } from './pageLayout.ts'

// Dark text on light backgrounds: every pair here is above WCAG AA's 4.5:1.
const STYLES = `
  body { font: 16px/1.5 system-ui, sans-serif; max-width: 60rem; margin: 1.5rem auto; padding: 0 1rem; color: #1b1f24; background: #fff; }
  h1 { font-size: 1.6rem; margin-bottom: .2rem; } h2 { font-size: 1.2rem; margin-top: 2rem; }
  .muted { color: #4b5563; }
  a { color: #0645ad; } nav ul { display: flex; gap: 1.2rem; list-style: none; padding: 0; margin: 0 0 1rem; border-bottom: 1px solid #d0d7de; padding-bottom: .5rem; }
  table { border-collapse: collapse; width: 100%; margin: .5rem 0; font-variant-numeric: tabular-nums; }
  caption { text-align: left; font-weight: 600; padding: .3rem 0; }
  th, td { padding: .35rem .6rem; border-bottom: 1px solid #d0d7de; text-align: left; }
  td.n, th.n { text-align: right; }
  thead th { background: #f3f5f8; }
  img { max-width: 100%; height: auto; border: 1px solid #d0d7de; }
  dl { display: grid; grid-template-columns: max-content auto; gap: .2rem 1rem; } dt { font-weight: 600; } dd { margin: 0; }
  .totals { display: flex; gap: 2rem; flex-wrap: wrap; padding: 0; list-style: none; } .totals strong { font-size: 1.4rem; display: block; }
`

/** Only this page's own style runs: no scripts, images from this server only. */
export const NETWORK_PAGE_CSP = [
  "default-src 'none'",
  "img-src 'self'",
  `style-src 'sha256-${createHash('sha256').update(STYLES).digest('base64')}'`,
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ')

const utc = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace('T', ' ') + ' UTC'
const utilization = (r: { freeGpus: number; rentedGpus: number }) => (r.freeGpus + r.rentedGpus === 0 ? '–' : `${Math.round((100 * r.rentedGpus) / (r.freeGpus + r.rentedGpus))}%`)

/** `/`: the network now (from the latest hourly snapshot), the chart of the last days and the latest epoch. */
export function networkPageHtml(data: NetworkOverviewData, { units }: { units: TokenUnits }): string {
  const price = (amount: bigint) => units.display(amount)
  const range = (r: MarketRow) => (r.minPrice === r.maxPrice ? price(r.minPrice) : `${price(r.minPrice)} – ${price(r.maxPrice)}`)
  const free = data.models.reduce((s, r) => s + r.freeGpus, 0)
  const rented = data.models.reduce((s, r) => s + r.rentedGpus, 0)
  const body = html`<h1>Gridshare network</h1>
<p class="muted">${data.takenAt === null ? 'No market snapshot yet: the first one is taken a few minutes after the coordinator starts.' : `Listed GPUs as of ${utc(data.takenAt)}; prices are per GPU-hour in ${units.symbol}.`}</p>
<ul class="totals" aria-label="Network totals">
<li><strong>${free}</strong> GPUs free</li>
<li><strong>${rented}</strong> GPUs rented</li>
<li><strong>${utilization({ freeGpus: free, rentedGpus: rented })}</strong> utilization</li>
<li><strong>${data.models.length}</strong> GPU models</li>
</ul>
<h2>GPUs by model</h2>
${modelsTable(data.models, range, price)}
<h2>GPUs by model and region</h2>
${regionsTable(data.regions, range)}
<h2>Last ${DEFAULT_CHART_DAYS} days</h2>
<img src="/charts/availability.png?days=${DEFAULT_CHART_DAYS}" width="830" height="450" alt="${chartAlt(data.models, price)}">
<h2>Latest epoch</h2>
${epochSection(data, units)}`
  return pageDocument({ title: 'Gridshare network', styles: STYLES, body })
}

function modelsTable(rows: MarketRow[], range: (r: MarketRow) => string, price: (a: bigint) => string): Html {
  if (rows.length === 0) return html`<p>No GPUs are listed right now.</p>`
  return html`<table>
<caption>Listed GPUs per model, all regions</caption>
<thead><tr><th scope="col">Model</th><th scope="col" class="n">Free</th><th scope="col" class="n">Rented</th><th scope="col" class="n">Utilization</th><th scope="col">Price range</th><th scope="col">Median price</th><th scope="col" class="n">Verified nodes</th></tr></thead>
<tbody>
${rows.map((r) => html`<tr><th scope="row">${r.model}</th><td class="n">${r.freeGpus}</td><td class="n">${r.rentedGpus}</td><td class="n">${utilization(r)}</td><td>${range(r)}</td><td>${price(r.medianPrice)}</td><td class="n">${r.listedNodes}</td></tr>\n`)}</tbody>
</table>`
}

function regionsTable(rows: MarketRow[], range: (r: MarketRow) => string): Html {
  if (rows.length === 0) return html`<p>No regions to show yet.</p>`
  return html`<table>
<caption>Listed GPUs per model and region</caption>
<thead><tr><th scope="col">Model</th><th scope="col">Region</th><th scope="col" class="n">Free</th><th scope="col" class="n">Rented</th><th scope="col" class="n">Utilization</th><th scope="col">Price range</th><th scope="col" class="n">Verified nodes</th></tr></thead>
<tbody>
${rows.map((r) => html`<tr><th scope="row">${r.model}</th><td>${r.region}</td><td class="n">${r.freeGpus}</td><td class="n">${r.rentedGpus}</td><td class="n">${utilization(r)}</td><td>${range(r)}</td><td class="n">${r.listedNodes}</td></tr>\n`)}</tbody>
</table>`
}

/** The chart's data in words, for screen readers and when images are off. */
function chartAlt(models: MarketRow[], price: (a: bigint) => string): string {
  const now = models.length === 0 ? 'no GPUs are listed now' : `now: ${models.map((r) => `${r.model} ${r.freeGpus} free at a median ${price(r.medianPrice)}`).join('; ')}`
  return `Line charts of free GPUs and of the median price per GPU-hour for each GPU model, hourly over the last ${DEFAULT_CHART_DAYS} days; ${now}.`
}

function epochSection({ epoch }: NetworkOverviewData, units: TokenUnits): Html {
  if (!epoch) return html`<p>No epoch has closed yet.</p>`
  return html`<dl>
<dt>Epoch</dt><dd>${epoch.number}</dd>
<dt>Period</dt><dd>${utc(epoch.startsAt)} to ${utc(epoch.endsAt)}</dd>
<dt>Closed</dt><dd>${utc(epoch.closedAt)}</dd>
<dt>Emission</dt><dd>${units.display(epoch.emission)}</dd>
<dt>Paid</dt><dd>${units.display(epoch.paid)} to ${epoch.paidCount} provider${epoch.paidCount === 1 ? '' : 's'}${epoch.inFlightCount ? `; ${units.display(epoch.inFlight)} to ${epoch.inFlightCount} more on the way` : ''}</dd>
</dl>`
}
