import { defineCommand } from '../src/command/defineCommand.ts'
import { opt } from '../src/command/options.ts'
import { UserError } from '../src/errors/AppError.ts'
import { echoInput } from '../src/errors/echoInput.ts'
import { voteReplyText } from '../src/governance/proposalReplies.ts'

export default defineCommand({
  name: 'vote',
  description: 'Vote on a proposal; a new vote replaces yours until it closes',
  slow: true,
  options: {
    id: opt.string({ description: 'Proposal id, e.g. p12', required: true, autocomplete: 'openProposals', expected: 'a proposal id such as p12' }),
    choice: opt.string({ description: 'Your choice: 2, For, 1,3 (approval), 2,1,3 (ranked), 1:60,2:40 (weighted)', required: true, rest: true, expected: 'a choice such as 1 or For' }),
  },
  private: true,
  examples: ['/vote p12 For', '/vote p13 1,3', '/vote p14 2,1,3', '/vote p15 1:60,2:40'],
  async run({ id, choice }, ctx) {
    if (!looksLikeProposalId(id) && looksLikeProposalId(choice))
      throw new UserError(`The proposal id comes first, then your choice: /vote ${echoInput(choice)} ${echoInput(id)}.`, 'SWAPPED_ARGUMENTS')
    const outcome = await ctx.governance.vote({ accountId: ctx.accountId, identity: `${ctx.user.platform}:${ctx.user.id}`, proposalId: id, choice })
    const note = ctx.governance.delegations.snapshotNote(ctx.accountId, outcome.proposal.source)
    return { text: note ? `${voteReplyText(ctx.units, outcome)}\n${note}` : voteReplyText(ctx.units, outcome) }
  },
})

/** p12 (native) or s-1a2b3c (mirrored from Snapshot). */
function looksLikeProposalId(text: string): boolean {
  return /^(p\d+|s-[0-9a-f]+)$/i.test(text.trim())
}
