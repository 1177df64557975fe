import { defineCommand } from '../src/command/defineCommand.ts'

export default defineCommand({
  name: 'undelegate',
  description: 'Stop delegating your voting power; you vote for yourself again',
  slow: true,
  options: {},
  examples: ['/undelegate'],
  async run(_args, ctx) {
    const { governance } = ctx
    const ended = await governance.delegations.undelegate(ctx.accountId)
    const name = governance.delegations.describeTarget(ended)
    // Open proposals whose snapshot came before now keep the delegation: say where.
    const still = governance
      .list('active')
      .filter((p) => p.source === 'native' && governance.delegations.inEffectAt(governance.store.row(p.id)).has(ctx.accountId))
      .map((p) => p.id)
    const kept = still.length
      ? ` ${still.join(', ')} took ${still.length === 1 ? 'its' : 'their'} snapshot while you delegated, so ${name} still votes your power there unless you vote yourself.`
      : ''
    return { text: `You no longer delegate to ${name}; new proposals count your power only when you vote.${kept}` }
  },
})
