import { defineCommand } from '../src/command/defineCommand.ts'
import { opt } from '../src/command/options.ts'
import { UserError } from '../src/errors/AppError.ts'
import { isoMinute } from '../src/market/Rentals.ts'

export default defineCommand({
  name: 'provider',
  description: 'Your provider nodes: online state, reliability, rentals, earnings',
  options: {
    action: opt.choice({ description: 'maintenance: warn renters of a planned downtime', choices: ['maintenance'] }),
    node: opt.string({ description: 'Node id, e.g. n7k3pq', expected: 'a node id from /provider' }),
    from: opt.string({ description: 'Start, UTC, e.g. 2026-12-01T02:00Z', expected: 'a UTC time such as 2026-12-01T02:00Z' }),
    hours: opt.integer({ description: 'How long, in hours', min: 1, max: 168 }),
  },
  private: true,
  examples: ['/provider', '/provider maintenance n7k3pq 2026-12-01T02:00Z 3'],
  run({ action, node, from, hours }, ctx) {
    if (action === 'maintenance') {
      if (!node || !from || !hours) throw new UserError('Say which node, when and for how long: /provider maintenance <node> <from> <hours>.')
      const start = Date.parse(from)
      if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(from) || Number.isNaN(start)) throw new UserError(`"${from}" is not a time; expected a UTC time such as 2026-12-01T02:00Z.`)
      const warned = ctx.market.announceMaintenance({ accountId: ctx.accountId, nodeId: node, from: start, hours, now: ctx.now })
      return { text: `Maintenance on ${node} from ${isoMinute(start)} for ${hours} h recorded; ${warned} renter${warned === 1 ? '' : 's'} warned.` }
    }
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
