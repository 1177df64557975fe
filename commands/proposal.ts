import type { Reply } from '../src/command/reply.ts'
import { proposalChartImage } from '../src/governance/proposalChartImage.ts'
import { defineCommand } from '../src/command/defineCommand.ts'
import { opt } from '../src/command/options.ts'
import { clip } from '../src/command/parseArguments.ts'
import { ballotText, proposalCard, SNAPSHOT_DELEGATION, voteReplyText } from '../src/governance/proposalReplies.ts'
import { withVoteButtons } from '../src/governance/proposalMessages.ts'
import { UserError } from '../src/errors/AppError.ts'
import { votingTypeOf } from '../src/governance/votingTypes.ts'
import { utcMinute } from '../src/time/utcMinute.ts'

export default defineCommand({
  name: 'proposal',
  description: 'Show a proposal with its live tally and vote buttons, or its votes',
  slow: true,
  options: {
    id: opt.string({ description: 'Proposal id, e.g. p12', required: true, autocomplete: 'openProposals', expected: 'a proposal id such as p12' }),
    show: opt.choice({ description: 'votes: list every vote with its power', choices: ['votes'] }),
  },
  examples: ['/proposal p12', '/proposal p12 votes'],
  run({ id, show }, ctx) {
    const { units, now } = ctx
    const governance = ctx.governance
    const proposal = governance.proposal(id)
    if (show === 'votes') {
      const records = governance.voteRecords(proposal.id)
      if (records.length === 0) return { text: `No votes on ${proposal.id} yet.` }
      return {
        title: `Votes on ${proposal.id}: ${clip(proposal.title, 60)}`,
        table: {
          columns: ['wallet', 'choice', 'power', 'when', 'how'],
          rows: records.map((r) => [
            `${r.address.slice(0, 6)}…${r.address.slice(-4)}`,
            clip(r.choiceText, 30),
            r.power === null ? 'pending' : units.display(r.power),
            utcMinute(r.votedAt),
            r.delegate ? `delegated, cast by ${r.delegate}` : r.source === 'relay' ? 'signed, relayed' : r.source === 'hub' ? 'on Snapshot' : 'chat',
          ]),
        },
        text: [delegationLine(proposal.source, records), `Full export with signatures: ${ctx.publicUrl}/api/v1/proposals/${proposal.id}/votes`].filter(Boolean).join('\n'),
      }
    }
    const type = votingTypeOf(proposal.type)
    const mine = governance.choiceOf(proposal, ctx.accountId)
    const reply: Reply = proposalCard(units, proposal, governance.tally(proposal), now, governance.snapshotSpace)
    reply.image = proposalChartImage(ctx.publicUrl, proposal.id)
    // In a group the reply is public: the caller's own vote stays out of it, and
    // its buttons are everyone's, each press voting for the presser.
    if (ctx.chat.kind === 'group') return withVoteButtons(reply, (name, payload, ttlMs) => ctx.action(name, payload, { anyone: true, ttlMs }), proposal, now)
    if (mine) {
      const howTo = reply.fields!.findIndex((f) => f.name === 'How to vote')
      reply.fields!.splice(howTo === -1 ? reply.fields!.length : howTo, 0, { name: 'Your vote', value: mine })
    }
    if (proposal.status === 'active' && type === 'single-choice') {
      const ttlMs = proposal.endAt - now
      reply.buttons = proposal.choices.map((label, i) => ({ label, action: ctx.action('proposal.vote', { id: proposal.id, choice: i + 1 }, { once: false, ttlMs }), style: 'primary' as const }))
    }
    return reply
  },
  actions: {
    'proposal.vote': async ({ id, choice }: { id: string; choice: number }, ctx) => {
      const outcome = await ctx.governance.vote({ accountId: ctx.accountId, identity: `${ctx.user.platform}:${ctx.user.id}`, proposalId: id, choice })
      const note = ctx.governance.delegations.snapshotNote(ctx.accountId, outcome.proposal.source)
      return { text: note ? `${voteReplyText(ctx.units, outcome)}\n${note}` : voteReplyText(ctx.units, outcome), private: true }
    },
    /** A group's Vote button on approval, ranked and weighted proposals: the choices, privately. */
    'proposal.ballot': ({ id }: { id: string }, ctx) => {
      const proposal = ctx.governance.proposal(id)
      const type = votingTypeOf(proposal.type)
      if (proposal.status !== 'active' || !type) throw new UserError(`Voting on ${proposal.id} is not open.`)
      return { text: ballotText(proposal, type), private: true }
    },
  },
})


/** Which part of the power cast came from delegators, or why none can (Snapshot). */
function delegationLine(source: 'native' | 'snapshot', records: { power: bigint | null; delegate: string | null }[]): string | undefined {
  if (source === 'snapshot') return SNAPSHOT_DELEGATION
  const delegated = records.filter((r) => r.delegate !== null)
  if (delegated.length === 0) return undefined
  return `${delegated.length} of ${records.length} wallets were voted by a delegate (marked delegated); a delegator who votes replaces that row.`
}
