import type { TokenUnits } from '../ledger/TokenUnits.ts'
import { utcMinute } from '../time/utcMinute.ts'
import { html, type Html } from './html.ts'
import { publicPage } from './pageLayout.ts'
import type { EpochDetail, EpochSummaryRow } from './EpochHistory.ts'

type Proof = { leaf: [string, string]; proof: string[]; root: string }

const paidText = (e: EpochSummaryRow, units: TokenUnits) =>
  `${units.display(e.paid)} to ${e.paidCount} provider${e.paidCount === 1 ? '' : 's'}${e.inFlightCount ? `; ${units.display(e.inFlight)} to ${e.inFlightCount} more on the way` : ''}`

/** An epoch's period, close, emission and payouts as `<dl>` rows: the same on `/` and on the epoch's page. */
export function epochTotals(e: EpochSummaryRow, units: TokenUnits): Html {
  return html`<dt>Period</dt><dd>${utcMinute(e.startsAt)} to ${utcMinute(e.endsAt)}</dd>
<dt>Closed</dt><dd>${utcMinute(e.closedAt)}</dd>
<dt>Emission</dt><dd>${units.display(e.emission)}</dd>
<dt>Paid</dt><dd>${paidText(e, units)}</dd>`
}

/** `/epochs`: every recent epoch's emission and payouts, and the chart across them. */
export function epochsPageHtml(rows: EpochSummaryRow[], { units }: { units: TokenUnits }): string {
  const table =
    rows.length === 0
      ? html`<p>No epoch has closed yet.</p>`
      : html`<table>
<caption>Closed epochs, newest first</caption>
<thead><tr><th scope="col">Epoch</th><th scope="col">Period (UTC)</th><th scope="col" class="n">Emission</th><th scope="col">Paid</th></tr></thead>
<tbody>
${rows.map((e) => html`<tr><th scope="row"><a href="/epochs/${e.number}">${e.number}</a></th><td>${utcMinute(e.startsAt)} to ${utcMinute(e.endsAt)}</td><td class="n">${units.display(e.emission)}</td><td>${paidText(e, units)}</td></tr>\n`)}</tbody>
</table>`
  const alt = rows.length === 0 ? 'Chart of emission and paid per epoch: no epoch has closed yet.' : `Line chart of emission and paid per epoch for epochs ${rows.at(-1)!.number} to ${rows[0]!.number}; latest, epoch ${rows[0]!.number}: emission ${units.display(rows[0]!.emission)}, paid ${units.display(rows[0]!.paid)}.`
  return publicPage(
    'Epochs',
    html`<h1>Reward epochs</h1>
<p class="muted">Each epoch's emission is shared among providers by verified uptime; payouts are sent on chain and every one can be checked against the epoch's Merkle root.</p>
<h2>Emission and paid per epoch</h2>
<img src="/charts/epochs.png" alt="${alt}">
<h2>Epochs</h2>
${table}`,
  )
}

/** `/epochs/<n>`: its totals, the per-provider table (paged) and a proof lookup. */
export function epochPageHtml(e: EpochDetail, { units, lookup }: { units: TokenUnits; lookup?: { address: string; proof: Proof | undefined } }): string {
  const body = html`<h1>Epoch ${e.number}</h1>
<dl>
${epochTotals(e, units)}
<dt>Merkle root</dt><dd class="mono">${e.merkleRoot}</dd>
<dt>Report hash</dt><dd class="mono">${e.reportHash}</dd>
</dl>
<h2>Check a payout</h2>
<form method="get" action="/epochs/${e.number}">
<label for="address">Wallet address</label>
<input id="address" name="address" placeholder="0x…" value="${lookup?.address ?? ''}" autocomplete="off" spellcheck="false">
<button type="submit">Show proof</button>
</form>
${lookup ? proofSection(e.number, lookup) : ''}
<h2>Providers</h2>
${statementsTable(e, units)}
<p class="muted">The statement as JSON: <a href="/api/v1/epochs/${e.number}">/api/v1/epochs/${e.number}</a>.</p>`
  return publicPage(`Epoch ${e.number}`, body)
}

function proofSection(epoch: number, { address, proof }: { address: string; proof: Proof | undefined }): Html {
  if (!proof) return html`<p><strong>${address} was not paid in epoch ${epoch}.</strong></p>`
  return html`<section aria-label="Merkle proof">
<p>The leaf <code>(address, uint256)</code> of ${address} in epoch ${epoch}:</p>
<dl>
<dt>Leaf</dt><dd class="mono">${proof.leaf[0]}, ${proof.leaf[1]}</dd>
<dt>Root</dt><dd class="mono">${proof.root}</dd>
<dt>Proof</dt><dd><ol class="mono">${proof.proof.map((p) => html`<li>${p}</li>`)}</ol></dd>
</dl>
</section>`
}

function statementsTable(e: EpochDetail, units: TokenUnits): Html {
  if (e.statements.length === 0) return html`<p>No provider earned in this epoch.</p>`
  const nav = e.pages > 1 ? html`<p>Page ${e.page} of ${e.pages}${e.page > 1 ? html` · <a href="/epochs/${e.number}?page=${e.page - 1}">previous</a>` : ''}${e.page < e.pages ? html` · <a href="/epochs/${e.number}?page=${e.page + 1}">next</a>` : ''}</p>` : ''
  return html`<p class="muted">${e.providers} provider${e.providers === 1 ? '' : 's'} earned in this epoch.</p>
<table>
<caption>Per-provider statement</caption>
<thead><tr><th scope="col">Provider</th><th scope="col" class="n">Emission share</th><th scope="col" class="n">Rental earnings</th><th scope="col" class="n">Total</th><th scope="col" class="n">Leaf</th></tr></thead>
<tbody>
${e.statements.map((s) => html`<tr><td class="mono"><a href="/providers/${s.address}">${s.address}</a></td><td class="n">${units.display(s.emission)}</td><td class="n">${units.display(s.earnings)}</td><td class="n">${units.display(s.total)}</td><td class="n">${s.leafIndex}</td></tr>\n`)}</tbody>
</table>
${nav}`
}
