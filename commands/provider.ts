import { defineCommand } from '../src/command/defineCommand.ts'

export default defineCommand({
  name: 'provider',
  description: 'Your provider nodes: online state, reliability, rentals, earnings',
  options: {},
  private: true,
  run(_args, ctx) {
    const nodes = ctx.market.providerNodes(ctx.accountId)
    if (nodes.length === 0) {
      return { text: 'No nodes are registered under your linked wallets. Run the agent (npm run agent -- --coordinator … --private-key-file …) with a wallet you /link.' }
    }
    const earned = nodes.reduce((sum, n) => sum + n.earned, 0n)
    return {
      title: 'Your nodes',
      table: {
        columns: ['node', 'region', 'state', 'reliability', 'GPUs free', 'rentals', 'earned'],
        rows: nodes.map((n) => [n.id, n.region, n.online ? 'online' : 'offline', `${Math.round(n.reliability * 100)}%`, n.gpus, String(n.activeRentals), ctx.units.format(n.earned)]),
      },
      text: `Rental earnings so far: ${ctx.units.format(earned)} (after the protocol fee). /rewards shows epoch rewards.`,
    }
  },
})
