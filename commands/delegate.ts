import { defineCommand } from '../src/command/defineCommand.ts'
import { opt } from '../src/command/options.ts'

export default defineCommand({
  name: 'delegate',
  description: 'Lend your voting power on native proposals to someone who votes',
  slow: true,
  options: {
    to: opt.string({ description: 'The delegate: a @mention, or a wallet address 0x…', required: true, expected: 'a mention such as @alice or a wallet address such as 0x1234…abcd' }),
  },
  examples: ['/delegate @alice', '/delegate 0x1234567890abcdef1234567890abcdef12345678'],
  async run({ to }, ctx) {
    const { delegations } = ctx.governance
    const target = delegations.parseTarget(ctx.user.platform, to)
    const { row, previous } = await delegations.delegate(ctx.accountId, target)
    const name = delegations.describeTarget(row)
    const lines = [
      `You now delegate your voting power to ${name}${previous ? ` (instead of ${delegations.describeTarget(previous)})` : ''}.`,
      target.kind === 'address'
        ? `It counts when the account that linked ${target.address} votes${delegations.resolve(target) === null ? ' (no account has linked it yet)' : ''}.`
        : `It counts on proposals whose snapshot is taken from now on, when ${name} votes.`,
      'Voting yourself on a proposal overrides your delegate there, even after they voted. /undelegate ends it.',
    ]
    if (ctx.governance.snapshotSpace) lines.push(`Delegation is for native proposals (p12) only; Snapshot proposals (s-…) count Snapshot's own delegation.`)
    return { text: lines.join(' ') }
  },
})
