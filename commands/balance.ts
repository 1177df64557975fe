import { defineCommand } from '../src/command/defineCommand.ts'
import { opt } from '../src/command/options.ts'
import { earningsPayoutNote } from '../src/rewards/payoutNote.ts'
import { balanceProofReply } from '../src/solvency/balanceProofReply.ts'
import { utcMinute } from '../src/time/utcMinute.ts'

export default defineCommand({
  name: 'balance',
  description: 'Show your available balance, escrow and provider bond',
  options: {
    show: opt.choice({ description: 'exact: every decimal; proof: your leaf and path in the published proof of solvency', choices: ['exact', 'proof'] }),
  },
  examples: ['/balance', '/balance exact', '/balance proof'],
  private: true,
  run({ show }, ctx) {
    if (show === 'proof') return balanceProofReply(ctx.solvency.proofFor(ctx.accountId), ctx)
    const { available, escrow } = ctx.ledger.balancesOf(ctx.accountId)
    const earned = ctx.ledger.earningsOf(ctx.accountId)
    const { bonded, pending } = ctx.market.bonds.summary(ctx.accountId)
    // Rounded to 6 decimals for reading; "exact" shows every base unit.
    const amount = (n: bigint) => (show === 'exact' ? ctx.units.format(n) : ctx.units.display(n))
    return {
      title: show === 'exact' ? 'Your balance (exact)' : 'Your balance',
      fields: [
        { name: 'Available', value: amount(available) },
        { name: 'In escrow', value: amount(escrow) },
        ...(earned > 0n ? [{ name: 'Provider earnings', value: `${amount(earned)}, ${earningsPayoutNote(earned, ctx.units.parse(ctx.params.get('min_payout'), 'min_payout', { allowZero: true }), ctx.units)}` }] : []),
        ...(bonded > 0n ? [{ name: 'Provider bond', value: amount(bonded) }] : []),
        ...pending.map((p) => ({ name: 'Unbonding', value: `${amount(p.amount)}, released ${utcMinute(p.releaseAt)}` })),
      ],
      text: available === 0n && escrow === 0n && bonded === 0n && pending.length === 0 ? 'Nothing here yet: /deposit shows how to add funds.' : undefined,
    }
  },
})
