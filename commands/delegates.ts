import { defineCommand } from '../src/command/defineCommand.ts'

export default defineCommand({
  name: 'delegates',
  description: 'The delegates: power lent to them, delegators, how often they vote',
  slow: true,
  options: {},
  examples: ['/delegates'],
  async run(_args, ctx) {
    const { governance, units } = ctx
    const board = await governance.delegations.leaderboard((id, accountId) => governance.choiceOf(governance.proposal(id), accountId))
    const mine = governance.delegations.current(ctx.accountId)
    const yours = mine ? `You delegate to ${governance.delegations.describeTarget(mine)}.` : 'You do not delegate; /delegate @name to lend your power.'
    if (board.length === 0) return { text: `No one delegates yet. ${yours}` }
    return {
      title: 'Delegates',
      table: {
        columns: ['delegate', 'delegated power', 'delegators', 'participation', 'last votes'],
        rows: board.map((d) => [
          d.name,
          units.display(d.power),
          String(d.delegators),
          d.eligible === 0 ? '—' : `${d.voted}/${d.eligible} (${Math.round((d.voted / d.eligible) * 100)}%)`,
          d.lastVotes.length ? d.lastVotes.map((v) => `${v.proposalId} ${v.choice}`).join(', ') : '—',
        ]),
      },
      text: `Power is the delegators' balances now; at a proposal it is taken at its snapshot block. Native proposals only. ${yours}`,
    }
  },
})
