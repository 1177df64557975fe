import { defineCommand } from '../src/command/defineCommand.ts'
import { opt } from '../src/command/options.ts'
import type { CommandContext } from '../src/command/CommandContext.ts'
import type { Reply } from '../src/command/reply.ts'
import { UserError } from '../src/errors/AppError.ts'
import type { ProviderNodeSummary } from '../src/market/providerSummary.ts'
import { utcMinute } from '../src/time/utcMinute.ts'
import { echoInput } from '../src/errors/echoInput.ts'

export default defineCommand({
  name: 'provider',
  description: 'Your provider nodes and bond: verification, listing, rentals, earnings, slashes',
  options: {
    action: opt.choice({ description: 'bond / unbond: lock or release bond; maintenance: warn renters', choices: ['bond', 'unbond', 'maintenance'] }),
    node: opt.string({ description: 'Node id for maintenance, e.g. n7k3pq', expected: 'a node id from /provider' }),
    from: opt.string({ description: 'Start, UTC, e.g. 2026-12-01T02:00Z', expected: 'a UTC time such as 2026-12-01T02:00Z' }),
    hours: opt.integer({ description: 'How long, in hours', min: 1, max: 168 }),
    amount: opt.string({ description: 'Amount to bond or unbond, e.g. 100', expected: 'an amount such as 100' }),
  },
  private: true,
  examples: ['/provider', '/provider bond 100', '/provider unbond 50', '/provider maintenance n7k3pq 2026-12-01T02:00Z 3'],
  run({ action, node, from, hours, amount }, ctx) {
    if (action === 'bond' || action === 'unbond') {
      // Typed as "/provider bond 100", the amount arrives as the second word (the node slot).
      const text = amount ?? node
      if (!text) throw new UserError(`Say how much: /provider ${action} <amount>, e.g. /provider ${action} 100.`)
      const value = ctx.units.parse(text, `${action} amount`)
      if (action === 'bond') {
        const bonded = ctx.market.bonds.bond({ accountId: ctx.accountId, amount: value })
        return { text: `Bonded ${ctx.units.display(value)}; your bond is now ${ctx.units.display(bonded)}. ${coverage(ctx)}` }
      }
      const { releaseAt } = ctx.market.bonds.unbond({ accountId: ctx.accountId, amount: value })
      return { text: `Unbonding ${ctx.units.display(value)}: it returns to your balance on ${utcMinute(releaseAt)} unless slashed meanwhile. ${coverage(ctx)}` }
    }
    if (action === 'maintenance') {
      if (!node || !from || !hours) throw new UserError('Say which node, when and for how long: /provider maintenance <node> <from> <hours>.')
      const start = Date.parse(from)
      if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(from) || Number.isNaN(start)) throw new UserError(`"${echoInput(from)}" is not a time; expected a UTC time such as 2026-12-01T02:00Z.`)
      const warned = ctx.market.announceMaintenance({ accountId: ctx.accountId, nodeId: node, from: start, hours, now: ctx.now })
      return { text: `Maintenance on ${node} from ${utcMinute(start)} for ${hours} h recorded; ${warned} renter${warned === 1 ? '' : 's'} warned.` }
    }
    return overview(ctx)
  },
})

function overview(ctx: CommandContext): Reply {
  const nodes = ctx.market.providerNodes(ctx.accountId)
  const slashes = ctx.market.slashing.history(ctx.accountId)
  const lines = [bondLine(ctx), ...slashes.map((s) => `Slashed ${ctx.units.display(s.amount)} on ${utcMinute(s.createdAt)} (${s.kind === 'fraud' ? 'failed challenge' : `rental ${s.rentalId} failed`}): ${s.reason}.`)]
  if (nodes.length === 0) {
    return { text: [...lines, 'No nodes are registered under your linked wallets. Run the agent (npm run agent -- --coordinator … --private-key-file …) with a wallet you /link.'].join('\n') }
  }
  const earned = nodes.reduce((sum, n) => sum + n.earned, 0n)
  return {
    title: 'Your nodes',
    table: {
      columns: ['node', 'region', 'state', 'verification', 'listed', 'reliability', 'GPUs free', 'rentals', 'earned'],
      rows: nodes.map((n) => [
        n.id,
        n.region,
        n.online ? 'online' : 'offline',
        verificationText(n),
        n.listed ? 'yes' : 'no',
        `${Math.round(n.reliability * 100)}%`,
        n.gpus,
        String(n.activeRentals),
        ctx.units.display(n.earned),
      ]),
    },
    text: [...lines, `Rental earnings so far: ${ctx.units.display(earned)} (after the protocol fee). /rewards shows epoch rewards.`].join('\n'),
  }
}

function verificationText(n: ProviderNodeSummary): string {
  if (n.verification === 'failed') return `failed: ${n.verificationFailure ?? 'challenge not passed'}`
  if (n.verification === 'pending') return 'pending'
  const speed = n.simulated ? ', simulated GPUs (CPU challenge)' : n.measuredSpeedBps === null ? '' : `, ${Math.round(n.measuredSpeedBps / 100)}% of expected speed`
  return `verified ${n.verifiedAt === null ? '' : utcMinute(n.verifiedAt)}${speed}`
}

/** "Bond 100 GRID covers 2 of 6 GPUs; 200 GRID more lists the rest." plus unbondings. */
function bondLine(ctx: CommandContext): string {
  const s = ctx.market.bonds.summary(ctx.accountId)
  const pending = s.pending.map((p) => ` ${ctx.units.display(p.amount)} unbonding until ${utcMinute(p.releaseAt)}.`).join('')
  return `${coverage(ctx)}${pending}`
}

function coverage(ctx: CommandContext): string {
  const s = ctx.market.bonds.summary(ctx.accountId)
  const rest = s.shortfall > 0n ? `; ${ctx.units.display(s.shortfall)} more lists the rest` : ''
  return `Bond ${ctx.units.display(s.bonded)} covers ${s.coveredGpus} of ${s.totalGpus} GPU${s.totalGpus === 1 ? '' : 's'} (${ctx.units.display(s.perGpu)} each)${rest}.`
}
