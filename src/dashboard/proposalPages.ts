import { formatUnits } from 'viem'
import { tokens, windowText, type TallyView } from '../governance/proposalReplies.ts'
import type { ProposalView } from '../governance/proposalView.ts'
import { CHOICE_FORMS, votingTypeOf } from '../governance/votingTypes.ts'
import type { TokenUnits } from '../ledger/TokenUnits.ts'
import { utcMinute } from '../time/utcMinute.ts'
import { html, type Html } from './html.ts'
import { publicPage } from './pageLayout.ts'
import { renderMarkdown } from './renderMarkdown.ts'
import { VOTERS_LISTED, type ProposalDetail } from './ProposalResults.ts'

const STATUS: Record<ProposalView['status'], string> = { pending: 'Not open yet', active: 'Open', closed: 'Closed' }

/** `/proposals`: the newest twenty, with where each stands. */
export function proposalsPageHtml(rows: { proposal: ProposalView; tally: TallyView }[], { units }: { units: TokenUnits }): string {
  const table =
    rows.length === 0
      ? html`<p>No proposals yet. Token holders propose with /propose in Telegram or Discord.</p>`
      : html`<table>
<caption>The newest proposals</caption>
<thead><tr><th scope="col">Proposal</th><th scope="col">Title</th><th scope="col">Status</th><th scope="col">Closes</th><th scope="col" class="n">Wallets voted</th><th scope="col" class="n">Power cast</th><th scope="col">Quorum</th></tr></thead>
<tbody>
${rows.map(({ proposal: p, tally: t }) => html`<tr><th scope="row"><a href="/proposals/${p.id}">${p.id}</a></th><td>${p.title}</td><td>${STATUS[p.status]}</td><td>${utcMinute(p.endAt)}</td><td class="n">${t.voters}</td><td class="n">${units.display(t.cast)}</td><td>${t.quorumMet ? 'met' : 'not met'}</td></tr>\n`)}</tbody>
</table>`
  return publicPage('Proposals', html`<h1>Proposals</h1>\n<p class="muted">Token-holder governance of the network: power is the ${units.symbol} a wallet held at the proposal's snapshot block.</p>\n${table}`)
}

/** `/proposals/<id>`: the body, the live (or final) result, the quorum, voters and how to vote. */
export function proposalPageHtml({ proposal: p, tally, voters }: ProposalDetail, { units, now }: { units: TokenUnits; now: number }): string {
  const cast = Number(formatUnits(tally.cast, units.decimals))
  const share = (score: number) => (cast > 0 ? `${((score / cast) * 100).toFixed(1)}%` : '–')
  const quorumShare = p.quorum === 0n ? 100 : Math.min(100, Number((tally.cast * 1000n) / p.quorum) / 10)
  const body = html`<h1>${p.id}: ${p.title}</h1>
<dl>
<dt>Status</dt><dd>${STATUS[p.status]}. ${windowText(p, now)}</dd>
<dt>Closes</dt><dd>${utcMinute(p.endAt)}</dd>
<dt>Voting</dt><dd>${p.type}; power is ${units.symbol} held at block ${p.snapshotBlock}</dd>
${p.param ? html`<dt>Change if For wins</dt><dd><code>${p.param.name} = ${p.param.value}</code></dd>` : ''}
${p.result?.executedAt ? html`<dt>Executed</dt><dd>${utcMinute(p.result.executedAt)}</dd>` : ''}
</dl>
<h2>Proposal</h2>
<div class="body">${p.body.trim() === '' ? html`<p class="muted">No description.</p>` : renderMarkdown(p.body)}</div>
<h2>${p.status === 'closed' ? 'Result' : 'Live result'}</h2>
<img src="/charts/proposal.png?id=${p.id}" alt="${resultAlt(p, tally, units)}">
<table>
<caption>Voting power per choice</caption>
<thead><tr><th scope="col">Choice</th><th scope="col" class="n">Power</th><th scope="col" class="n">Share of power cast</th></tr></thead>
<tbody>
${p.choices.map((choice, i) => html`<tr><th scope="row">${i + 1}. ${choice}${tally.winner === i + 1 ? (p.status === 'closed' ? ' (won)' : ' (leading)') : ''}</th><td class="n">${tokens(units, tally.scores[i] ?? 0)}</td><td class="n">${share(tally.scores[i] ?? 0)}</td></tr>\n`)}</tbody>
</table>
<h2>Quorum</h2>
<p><label for="quorum">${units.display(tally.cast)} of ${units.display(p.quorum)} cast (${quorumShare}%): quorum ${tally.quorumMet ? 'met' : 'not met'}.</label></p>
<p><progress id="quorum" max="100" value="${quorumShare}">${quorumShare}%</progress></p>
<h2>Voters</h2>
${votersTable(voters, tally.voters, units)}
<h2>How to vote</h2>
${howToVote(p)}`
  return publicPage(`${p.id}: ${p.title}`, body)
}

function votersTable(voters: ProposalDetail['voters'], count: number, units: TokenUnits): Html {
  if (voters.length === 0) return html`<p>No votes yet.</p>`
  return html`<p class="muted">${count > VOTERS_LISTED ? `The ${VOTERS_LISTED} strongest of ${count} wallets that voted.` : `${count} wallet${count === 1 ? '' : 's'} voted.`}</p>
<table>
<caption>Votes by wallet, strongest first</caption>
<thead><tr><th scope="col">Wallet</th><th scope="col" class="n">Power</th><th scope="col">Choice</th></tr></thead>
<tbody>
${voters.map((v) => html`<tr><td class="mono">${v.address}</td><td class="n">${v.power === null ? 'not counted yet' : units.display(v.power)}</td><td>${v.choice}</td></tr>\n`)}</tbody>
</table>`
}

function howToVote(p: ProposalView): Html {
  if (p.status === 'closed') return html`<p>Voting closed ${utcMinute(p.endAt)}.</p>`
  const type = votingTypeOf(p.type)
  const form = type ? CHOICE_FORMS[type] : 'a choice number, e.g. 1'
  return html`<p>Vote in Telegram: <code>/vote ${p.id} &lt;choice&gt;</code>; in Discord: <code>/vote id:${p.id} choice:&lt;choice&gt;</code>. Your choice is ${form}; choices: ${p.choices.map((c, i) => `${i + 1}. ${c}`).join(', ')}. Link a wallet first with /link.</p>`
}

/** The chart's data in words, for screen readers and when images are off. */
function resultAlt(p: ProposalView, tally: TallyView, units: TokenUnits): string {
  const scores = p.choices.map((c, i) => `${c} ${tokens(units, tally.scores[i] ?? 0)}`).join('; ')
  return `Bar chart of voting power per choice with the quorum of ${units.display(p.quorum)} as a dashed line: ${scores}.`
}
