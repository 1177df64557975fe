import type { Reply } from '../src/command/reply.ts'
import { defineCommand } from '../src/command/defineCommand.ts'
import { opt } from '../src/command/options.ts'
import { clip } from '../src/command/parseArguments.ts'
import { numbered } from '../src/governance/parseVoteChoice.ts'
import { tallyLines, voteReplyText, windowText } from '../src/governance/proposalReplies.ts'
import { CHOICE_FORMS, votingTypeOf } from '../src/governance/votingTypes.ts'
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
            r.power === null ? 'pending' : units.format(r.power),
            utcMinute(r.votedAt),
            r.delegate ? `delegated, cast by ${r.delegate}` : r.source === 'relay' ? 'signed, relayed' : r.source === 'hub' ? 'on Snapshot' : 'chat',
          ]),
        },
        text: [delegationLine(proposal.source, records), `Full export with signatures: ${ctx.publicUrl}/api/v1/proposals/${proposal.id}/votes`].filter(Boolean).join('\n'),
      }
    }
    const tally = governance.tally(proposal)
    const type = votingTypeOf(proposal.type)
    const mine = governance.choiceOf(proposal, ctx.accountId)
    const fields = [
      { name: 'Voting', value: `${proposal.type}; ${windowText(proposal, now)}` },
      { name: 'Power', value: proposal.source === 'native' ? `${units.symbol} held at block ${proposal.snapshotBlock}` : `Snapshot space ${governance.snapshotSpace ?? ''}, block ${proposal.snapshotBlock}` },
    ]
    if (proposal.source === 'snapshot') fields.push({ name: 'Delegation', value: SNAPSHOT_DELEGATION })
    if (proposal.param) fields.push({ name: 'Change if For wins', value: `${proposal.param.name} = ${proposal.param.value}` })
    fields.push({ name: proposal.status === 'closed' ? 'Result' : 'Tally', value: tallyLines(units, proposal, tally) })
    if (proposal.result?.executedAt) fields.push({ name: 'Executed', value: `${proposal.param!.name} set to ${proposal.param!.value} at ${utcMinute(proposal.result.executedAt)}` })
    // In a group the reply is public: the caller's own vote stays out of it.
    if (mine && ctx.chat.kind === 'private') fields.push({ name: 'Your vote', value: mine })
    const reply: Reply = { title: `${proposal.id}: ${proposal.title}`, text: clip(proposal.body, 1500) || undefined, fields }
    if (proposal.status === 'active' && type) {
      if (type === 'single-choice') {
        const ttlMs = proposal.endAt - now
        reply.buttons = proposal.choices.map((label, i) => ({ label, action: ctx.action('proposal.vote', { id: proposal.id, choice: i + 1 }, { once: false, ttlMs }), style: 'primary' as const }))
      } else {
        fields.push({ name: 'How to vote', value: `/vote ${proposal.id} <choice>, with ${CHOICE_FORMS[type]}; choices: ${numbered(proposal.choices)}` })
      }
    }
    return reply
  },
  actions: {
    'proposal.vote': async ({ id, choice }: { id: string; choice: number }, ctx) => {
      const outcome = await ctx.governance.vote({ accountId: ctx.accountId, identity: `${ctx.user.platform}:${ctx.user.id}`, proposalId: id, choice })
      const note = ctx.governance.delegations.snapshotNote(ctx.accountId, outcome.proposal.source)
      return { text: note ? `${voteReplyText(ctx.units, outcome)}\n${note}` : voteReplyText(ctx.units, outcome), private: true }
    },
  },
})

const SNAPSHOT_DELEGATION = "/delegate counts on native proposals only; this Snapshot proposal counts Snapshot's own delegation."

/** Which part of the power cast came from delegators, or why none can (Snapshot). */
function delegationLine(source: 'native' | 'snapshot', records: { power: bigint | null; delegate: string | null }[]): string | undefined {
  if (source === 'snapshot') return SNAPSHOT_DELEGATION
  const delegated = records.filter((r) => r.delegate !== null)
  if (delegated.length === 0) return undefined
  return `${delegated.length} of ${records.length} wallets were voted by a delegate (marked delegated); a delegator who votes replaces that row.`
}
