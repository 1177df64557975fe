import { defineCommand } from '../src/command/defineCommand.ts'
import { opt } from '../src/command/options.ts'
import { balanceProofReply } from '../src/solvency/balanceProofReply.ts'
import { utcMinute } from '../src/time/utcMinute.ts'

export default defineCommand({
  name: 'balance',
  description: 'Show your available balance, escrow and provider bond',
  options: {
    show: opt.choice({ description: 'proof: your leaf and path in the published proof of solvency', choices: ['proof'] }),
  },
  examples: ['/balance', '/balance proof'],
  private: true,
  run({ show }, ctx) {
    if (show === 'proof') return balanceProofReply(ctx.solvency.proofFor(ctx.accountId), ctx)
    const { available, escrow } = ctx.ledger.balancesOf(ctx.accountId)
    const earned = ctx.ledger.earningsOf(ctx.accountId)
    const { bonded, pending } = ctx.market.bonds.summary(ctx.accountId)
    return {
      title: 'Your balance',
      fields: [
        { name: 'Available', value: ctx.units.format(available) },
        { name: 'In escrow', value: ctx.units.format(escrow) },
        ...(earned > 0n ? [{ name: 'Provider earnings', value: `${ctx.units.format(earned)}, paid at the next epoch close` }] : []),
        ...(bonded > 0n ? [{ name: 'Provider bond', value: ctx.units.format(bonded) }] : []),
        ...pending.map((p) => ({ name: 'Unbonding', value: `${ctx.units.format(p.amount)}, released ${utcMinute(p.releaseAt)}` })),
      ],
      text: available === 0n && escrow === 0n && bonded === 0n && pending.length === 0 ? 'Nothing here yet: /deposit shows how to add funds.' : undefined,
    }
  },
})
