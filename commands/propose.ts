import { defineCommand } from '../src/command/defineCommand.ts'
import { opt } from '../src/command/options.ts'
import { newProposalAnnouncement } from '../src/governance/proposalReplies.ts'

export default defineCommand({
  name: 'propose',
  description: 'Start a proposal (needs the proposal threshold in voting power)',
  slow: true,
  options: {
    title: opt.string({ description: 'Short title, in quotes', required: true, expected: 'a title such as "Raise the fee to 4%"' }),
    choices: opt.string({ description: 'Choices separated by commas (default For,Against,Abstain)' }),
    type: opt.string({ description: 'single-choice, approval, weighted, quadratic or ranked-choice' }),
    duration: opt.string({ description: 'Hours of voting, 1 to 720 (default 72)' }),
    delay: opt.string({ description: 'Hours until voting opens (default 0)' }),
    snapshot: opt.string({ description: 'Block whose balances count (default: the current block)' }),
    param: opt.string({ description: 'One parameter change made if For wins, e.g. protocol_fee_bps=400' }),
    body: opt.string({ description: 'What and why', rest: true, maxLength: 4000 }),
  },
  examples: ['/propose title:"Raise fee" choices:"For,Against,Abstain" type:single-choice duration:72 param:protocol_fee_bps=400 body:"Fund audits"'],
  async run(fields, ctx) {
    const proposal = await ctx.governance.propose({ accountId: ctx.accountId, isAdmin: ctx.isAdmin, fields })
    const announcement = newProposalAnnouncement(ctx.units, proposal, ctx.now)
    return { title: `Created ${proposal.id}: ${proposal.title}`, text: announcement.text }
  },
})
