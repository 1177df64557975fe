import type { TokenUnits } from '../ledger/TokenUnits.ts'
import { utcMinute } from '../time/utcMinute.ts'
import { html, type Html } from './html.ts'
import { publicPage } from './pageLayout.ts'
import { UPTIME_DAYS, type ProviderEarning, type ProviderNodeRow, type ProviderUptimeDay } from './ProviderProfile.ts'

export interface ProviderPageData {
  address: string
  nodes: ProviderNodeRow[]
  nodeCount: number
  uptime: ProviderUptimeDay[]
  earnings: ProviderEarning[]
}

const VERIFICATION: Record<ProviderNodeRow['verification'], string> = { pending: 'not verified yet', verified: 'verified', failed: 'failed its last challenge' }

/** `/providers/<address>`: its nodes and their verification, uptime and earnings. */
export function providerPageHtml(d: ProviderPageData, { units }: { units: TokenUnits }): string {
  const verified = d.nodes.filter((n) => n.verification === 'verified').length
  const average = d.uptime.length === 0 ? 0 : Math.round((10 * d.uptime.reduce((s, u) => s + u.uptime, 0)) / d.uptime.length) / 10
  const earned = d.earnings.reduce((s, e) => s + e.total, 0n)
  const body = html`<h1>Provider ${d.address}</h1>
<ul class="totals" aria-label="Provider totals">
<li><strong>${d.nodeCount}</strong> node${d.nodeCount === 1 ? '' : 's'}</li>
<li><strong>${verified}</strong> verified</li>
<li><strong>${average}%</strong> uptime, last ${UPTIME_DAYS} days</li>
<li><strong>${units.display(earned)}</strong> earned in ${d.earnings.length} epoch${d.earnings.length === 1 ? '' : 's'}</li>
</ul>
<h2>Nodes</h2>
${nodesTable(d)}
<h2>Uptime</h2>
<img src="/charts/uptime.png?address=${d.address}" alt="${`Bar chart of daily uptime over the last ${UPTIME_DAYS} UTC days, from ${Math.min(...d.uptime.map((u) => u.uptime))}% to ${Math.max(...d.uptime.map((u) => u.uptime))}%, ${average}% on average.`}">
<h2>Earnings</h2>
<img src="/charts/earnings.png?address=${d.address}" alt="${earningsAlt(d.earnings, units)}">
${earningsTable(d, units)}`
  return publicPage(`Provider ${d.address}`, body)
}

function nodesTable({ nodes, nodeCount }: ProviderPageData): Html {
  if (nodes.length === 0) return html`<p>This provider has no nodes registered now.</p>`
  return html`<table>
<caption>Each node: GPUs, verification and state${nodeCount > nodes.length ? ` (the first ${nodes.length} of ${nodeCount})` : ''}</caption>
<thead><tr><th scope="col">Node</th><th scope="col">Region</th><th scope="col">GPUs free/total</th><th scope="col">Verification</th><th scope="col">State</th><th scope="col" class="n">Reliability (7 days)</th></tr></thead>
<tbody>
${nodes.map((n) => html`<tr><th scope="row" class="mono">${n.id}</th><td>${n.region}</td><td>${n.gpus || '–'}</td><td>${VERIFICATION[n.verification]}${n.verifiedAt ? ` (${utcMinute(n.verifiedAt)})` : ''}${n.simulated ? '; simulated GPUs' : ''}</td><td>${n.listed ? 'listed' : n.online ? 'online, not listed' : 'offline'}</td><td class="n">${`${Math.round(n.reliability * 1000) / 10}%`}</td></tr>\n`)}</tbody>
</table>`
}

function earningsTable({ earnings, address }: ProviderPageData, units: TokenUnits): Html {
  if (earnings.length === 0) return html`<p>No earnings in a closed epoch yet.</p>`
  return html`<table>
<caption>Earnings per closed epoch, with the proof of each payout</caption>
<thead><tr><th scope="col">Epoch</th><th scope="col" class="n">Total</th><th scope="col">Proof</th></tr></thead>
<tbody>
${[...earnings].reverse().map((e) => html`<tr><th scope="row"><a href="/epochs/${e.epoch}">${e.epoch}</a></th><td class="n">${units.display(e.total)}</td><td><a href="/epochs/${e.epoch}?address=${address}">Merkle proof</a></td></tr>\n`)}</tbody>
</table>`
}

function earningsAlt(earnings: ProviderEarning[], units: TokenUnits): string {
  if (earnings.length === 0) return 'Chart of earnings per epoch: none in a closed epoch yet.'
  return `Bar chart of earnings per epoch: ${earnings.map((e) => `epoch ${e.epoch} ${units.display(e.total)}`).join('; ')}.`
}
