import { formatUnits } from 'viem'
import type { Sqlite } from '../db/openDatabase.ts'
import type { Governance } from '../governance/Governance.ts'
import type { TallyView } from '../governance/proposalReplies.ts'
import type { ProposalView } from '../governance/proposalView.ts'
import { describeChoice, isValidChoice } from '../governance/tallyVotes.ts'
import { votingTypeOf } from '../governance/votingTypes.ts'
import type { ProposalChartPoint } from './dashboardChartSpecs.ts'

export const VOTERS_LISTED = 100

/** A proposal id as a URL carries it (`p12`, a mirrored Snapshot proposal's `s-1a2b3c`): anything else is refused before a lookup. */
export const isProposalId = (text: string | undefined): text is string => text !== undefined && /^[A-Za-z0-9-]{1,80}$/.test(text)

export interface PublicVoter {
  address: string
  /** Base units; null for a relayed vote the hub has not counted yet. */
  power: bigint | null
  choice: string
}

export interface ProposalDetail {
  proposal: ProposalView
  tally: TallyView
  /** The strongest voters first, at most VOTERS_LISTED. */
  voters: PublicVoter[]
}

export type ProposalReader = Pick<Governance, 'list' | 'proposal' | 'tally' | 'votes'>

/** Proposals with their live (or final) result, as the public pages and the result chart show them. */
export class ProposalResults {
  private readonly topVoters
  /** The voters table per proposal while no vote changes: sorting 100,000 votes costs more than the page. */
  private readonly voters = new Map<string, { version: string; voters: PublicVoter[] }>()

  constructor(private readonly deps: { governance: ProposalReader; sqlite: Sqlite; decimals: number }) {
    // Power is decimal text: longer is larger, then text order.
    this.topVoters = deps.sqlite.prepare<[string, number], { address: string; power: string | null; choice: string }>(
      `select address, power, choice from governance_votes where proposal_id = ?
       order by power is null, length(power) desc, power desc, address limit ?`,
    )
  }

  list(): { proposal: ProposalView; tally: TallyView }[] {
    return this.deps.governance.list().map((proposal) => ({ proposal, tally: this.deps.governance.tally(proposal) }))
  }

  /** @throws UserError (NOT_FOUND) for an unknown id */
  detail(id: string): ProposalDetail {
    const proposal = this.deps.governance.proposal(id)
    const version = this.deps.governance.votes.version(proposal.id)
    let kept = this.voters.get(proposal.id)
    if (kept?.version !== version) {
      if (this.voters.size >= 64) this.voters.clear()
      this.voters.set(proposal.id, (kept = { version, voters: this.readVoters(proposal) }))
    }
    return { proposal, tally: this.deps.governance.tally(proposal), voters: kept.voters }
  }

  private readVoters(proposal: ProposalView): PublicVoter[] {
    const type = votingTypeOf(proposal.type)
    return this.topVoters.all(proposal.id, VOTERS_LISTED).map((row) => {
      const choice = JSON.parse(row.choice) as unknown
      return {
        address: row.address,
        power: row.power === null ? null : BigInt(row.power),
        choice: type && isValidChoice(type, choice, proposal.choices) ? describeChoice(type, choice, proposal.choices) : JSON.stringify(choice),
      }
    })
  }

  chartPoints(id: string): ProposalChartPoint[] {
    const proposal = this.deps.governance.proposal(id)
    const { scores, cast } = this.deps.governance.tally(proposal)
    const tokens = (amount: bigint) => Number(formatUnits(amount, this.deps.decimals))
    const quorum = tokens(proposal.quorum)
    const choices = proposal.choices.map((choice, order) => ({ order, choice: `${order + 1}. ${choice}`, power: scores[order] ?? 0, quorum, total: false }))
    return [...choices, { order: choices.length, choice: 'All power cast', power: tokens(cast), quorum, total: true }]
  }
}
