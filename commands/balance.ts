import { defineCommand } from '../src/command/defineCommand.ts'

export default defineCommand({
  name: 'balance',
  description: 'Show your available balance and what is held in escrow',
  options: {},
  private: true,
  run(_args, ctx) {
    const { available, escrow } = ctx.ledger.balancesOf(ctx.accountId)
    const earned = ctx.ledger.earningsOf(ctx.accountId)
    return {
      title: 'Your balance',
      fields: [
        { name: 'Available', value: ctx.units.format(available) },
        { name: 'In escrow', value: ctx.units.format(escrow) },
        ...(earned > 0n ? [{ name: 'Provider earnings', value: `${ctx.units.format(earned)}, paid at the next epoch close` }] : []),
      ],
      text: available === 0n && escrow === 0n ? 'Nothing here yet: /deposit shows how to add funds.' : undefined,
    }
  },
})
