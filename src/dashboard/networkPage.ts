import type { TokenUnits } from '../ledger/TokenUnits.ts'
import { utcMinute } from '../time/utcMinute.ts'
import { DEFAULT_CHART_DAYS } from './AvailabilityCharts.ts'
import { epochTotals } from './epochPages.ts'
import { html, type Html } from './html.ts'
import type { MarketRow, NetworkOverviewData } from './NetworkOverview.ts'
import { pageDocument } from './pageLayout.ts'

const utilization = (r: { freeGpus: number; rentedGpus: number }) => (r.freeGpus + r.rentedGpus === 0 ? '–' : `${Math.round((100 * r.rentedGpus) / (r.freeGpus + r.rentedGpus))}%`)

/** `/`: the network now (from the latest hourly snapshot), the chart of the last days and the latest epoch. */
export function networkPageHtml(data: NetworkOverviewData, { units }: { units: TokenUnits }): string {
  const price = (amount: bigint) => units.display(amount)
  const range = (r: MarketRow) => (r.minPrice === r.maxPrice ? price(r.minPrice) : `${price(r.minPrice)} – ${price(r.maxPrice)}`)
  const free = data.models.reduce((s, r) => s + r.freeGpus, 0)
  const rented = data.models.reduce((s, r) => s + r.rentedGpus, 0)
  const body = html`<h1>Gridshare network</h1>
<p class="muted">${data.takenAt === null ? 'No market snapshot yet: the first one is taken a few minutes after the coordinator starts.' : `Listed GPUs as of ${utcMinute(data.takenAt)}; prices are per GPU-hour in ${units.symbol}.`}</p>
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
  return pageDocument('Gridshare network', body)
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
${epochTotals(epoch, units)}
</dl>`
}
