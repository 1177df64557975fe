import { formatUnits } from 'viem'
import { clip } from '../command/parseArguments.ts'
import type { Reply } from '../command/reply.ts'
import type { TokenUnits } from '../ledger/TokenUnits.ts'
import type { VoteOutcome } from './VoteOutcome.ts'
import { describeAnswer } from './snapshot/SnapshotRelay.ts'
import { numbered } from './parseVoteChoice.ts'
import type { ProposalView } from './proposalView.ts'
import { utcMinute } from '../time/utcMinute.ts'
import { CHOICE_FORMS, votingTypeOf, type VotingType } from './votingTypes.ts'

/** A tally as people read it: scores in tokens (Snapshot's numbers) and the exact power cast. */
export interface TallyView {
  scores: number[]
  /** Power cast, base units. */
  cast: bigint
  quorumMet: boolean
  winner: number | null
  voters: number
}

export function tokens(units: TokenUnits, amount: number): string {
  return `${amount.toLocaleString('en-US', { maximumFractionDigits: 2 })} ${units.symbol}`
}

export function tallyLines(units: TokenUnits, proposal: ProposalView, tally: TallyView): string {
  // Snapshot's share: each score over scores_total, the power cast. (Over the sum of
  // scores, one voter approving two choices would read 50% each instead of 100%.)
  const total = Number(formatUnits(tally.cast, units.decimals))
  const lines = proposal.choices.map((choice, i) => {
    const score = tally.scores[i] ?? 0
    const share = total > 0 ? ` (${((score / total) * 100).toFixed(1)}%)` : ''
    return `${i + 1}. ${choice}: ${tokens(units, score)}${share}${tally.winner === i + 1 ? ' ← leading' : ''}`
  })
  lines.push(`Quorum: ${units.display(tally.cast)} of ${units.display(proposal.quorum)} ${tally.quorumMet ? '(met)' : '(not met)'}; ${tally.voters} wallet${tally.voters === 1 ? '' : 's'} voted.`)
  return lines.join('\n')
}

/** The window as the card's Voting field says it, after the voting type. */
export function windowPhrase(proposal: ProposalView, now: number): string {
  if (now < proposal.startAt) return `opens ${utcMinute(proposal.startAt)}, closes ${utcMinute(proposal.endAt)}`
  if (now < proposal.endAt) return `open until ${utcMinute(proposal.endAt)}`
  return `closed ${utcMinute(proposal.endAt)}`
}

export function windowText(proposal: ProposalView, now: number): string {
  if (now < proposal.startAt) return `Voting opens ${utcMinute(proposal.startAt)} and closes ${utcMinute(proposal.endAt)}.`
  if (now < proposal.endAt) return `Voting is open until ${utcMinute(proposal.endAt)}.`
  return `Voting closed ${utcMinute(proposal.endAt)}.`
}

export function newProposalAnnouncement(units: TokenUnits, proposal: ProposalView, now: number): Reply {
  const change = proposal.param ? ` If For wins with quorum, ${proposal.param.name} becomes ${proposal.param.value}.` : ''
  return {
    title: `New proposal ${proposal.id}: ${proposal.title}`,
    text: `${windowText(proposal, now)} Choices: ${numbered(proposal.choices)} (${proposal.type}). Power is your ${units.symbol} at block ${proposal.snapshotBlock}; quorum ${units.display(proposal.quorum)}.${change} /proposal ${proposal.id} to vote.`,
  }
}

export function resultAnnouncement(units: TokenUnits, proposal: ProposalView, tally: TallyView, outcome: { executed: boolean; problem?: string }): Reply {
  const winner = tally.winner ? proposal.choices[tally.winner - 1] : undefined
  const lines: string[] = []
  if (!tally.quorumMet) lines.push(`Quorum not met: ${units.display(tally.cast)} of ${units.display(proposal.quorum)} voted, so it does not pass.`)
  else if (!winner) lines.push(`No choice won outright (a tie or no votes), so it does not pass.`)
  else lines.push(`${winner} wins with ${tokens(units, tally.scores[tally.winner! - 1]!)} of ${units.display(tally.cast)} cast; quorum met.`)
  if (proposal.param) {
    if (outcome.executed) lines.push(`${proposal.param.name} is now ${proposal.param.value} (set by proposal ${proposal.id}).`)
    else if (outcome.problem) lines.push(`${proposal.param.name} was not changed: ${outcome.problem}`)
    else lines.push(`${proposal.param.name} stays as it was.`)
  }
  return { title: `Result of ${proposal.id}: ${proposal.title}`, text: lines.join(' ') }
}

/** The answer to a vote, from /vote or a choice button. */
export function voteReplyText(units: TokenUnits, outcome: VoteOutcome): string {
  const { proposal } = outcome
  if (outcome.kind === 'relayed') {
    return [`Your vote ${outcome.choice} on ${proposal.id} was signed for Snapshot.`, ...outcome.answers.map(({ address, answer }) => describeAnswer({ kind: 'vote', proposalId: proposal.id, address }, answer))].join('\n')
  }
  const delegated = outcome.delegated
  const power = delegated
    ? `${units.display(outcome.power)}: ${units.display(outcome.power - delegated.power)} your own and ${units.display(delegated.power)} delegated to you by ${delegated.accounts} account${delegated.accounts === 1 ? '' : 's'}`
    : units.display(outcome.power) + (outcome.wallets > 1 ? ` from ${outcome.wallets} wallets` : '')
  const until = `You can change it until ${utcMinute(proposal.endAt)}.`
  if (outcome.previous === null) return `Voted ${outcome.choice} on ${proposal.id} with ${power}. ${until}`
  if (outcome.previous === outcome.choice) return `Your vote on ${proposal.id} stays ${outcome.choice}, with ${power}. ${until}`
  return `Your vote on ${proposal.id} is now ${outcome.choice} (was ${outcome.previous}), with ${power}. ${until}`
}

export const SNAPSHOT_DELEGATION = "/delegate counts on native proposals only; this Snapshot proposal counts Snapshot's own delegation."

/** A proposal as everyone may see it: window, power, tally or result. The same
 *  on /proposal and on a group's live message, so a refresh changes only the numbers. */
export function proposalCard(units: TokenUnits, proposal: ProposalView, tally: TallyView, now: number, snapshotSpace: string | undefined): Reply {
  const fields = [
    { name: 'Voting', value: `${proposal.type} vote, ${windowPhrase(proposal, now)}` },
    { name: 'Power', value: proposal.source === 'native' ? `${units.symbol} held at block ${proposal.snapshotBlock}` : `Snapshot space ${snapshotSpace ?? ''}, block ${proposal.snapshotBlock}` },
  ]
  if (proposal.source === 'snapshot') fields.push({ name: 'Delegation', value: SNAPSHOT_DELEGATION })
  if (proposal.param) fields.push({ name: 'Change if For wins', value: `${proposal.param.name} = ${proposal.param.value}` })
  fields.push({ name: proposal.status === 'closed' ? 'Result' : 'Tally', value: tallyLines(units, proposal, tally) })
  if (proposal.result?.executedAt) fields.push({ name: 'Executed', value: `${proposal.param!.name} set to ${proposal.param!.value} at ${utcMinute(proposal.result.executedAt)}` })
  const type = votingTypeOf(proposal.type)
  // Single choice is one tap; the other types can always be typed.
  if (proposal.status === 'active' && type && type !== 'single-choice')
    fields.push({ name: 'How to vote', value: `/vote ${proposal.id} <choice>, with ${CHOICE_FORMS[type]}; choices: ${numbered(proposal.choices)}` })
  return { title: `${proposal.id}: ${proposal.title}`, text: clip(proposal.body, 1500) || undefined, fields }
}

/** Under a group's vote buttons: whose vote a press is, and where the answer goes. */
export function groupVotingHint(type: VotingType): string {
  return type === 'single-choice'
    ? 'Anyone may press: each press votes with your own linked wallets, answered only to you.'
    : 'Anyone may press Vote: you get the choices privately, then vote with your own linked wallets.'
}

/** The private follow-up to a group's Vote button on approval, ranked, weighted and quadratic proposals. */
export function ballotText(proposal: ProposalView, type: VotingType): string {
  const example = type === 'approval' ? '1,3' : type === 'ranked-choice' ? proposal.choices.map((_, i) => i + 1).reverse().join(',') : '1:60,2:40'
  return [
    `${proposal.id}: ${proposal.title} (${type}). Choices: ${numbered(proposal.choices)}.`,
    `Vote with ${CHOICE_FORMS[type]}: /vote ${proposal.id} ${example}`,
    `Your vote counts your own linked wallets; a new vote replaces it until ${utcMinute(proposal.endAt)}.`,
  ].join('\n')
}
