import { defineCommand } from '../src/command/defineCommand.ts'
import { opt } from '../src/command/options.ts'
import { billedMinutes, formatMinutes } from '../src/market/billedMinutes.ts'

export default defineCommand({
  name: 'stop',
  description: 'End a rental now; unused time is refunded',
  options: { id: opt.string({ description: 'Rental id, e.g. r7k3p', required: true, autocomplete: 'myRentals', expected: 'a rental id such as r7k3p' }) },
  private: true,
  examples: ['/stop r7k3p'],
  run({ id }, ctx) {
    const rental = ctx.market.rentals.stop({ accountId: ctx.accountId, id })
    const { units } = ctx
    return { text: `Stopped ${rental.id} after ${formatMinutes(billedMinutes(rental))} used: ${units.display(BigInt(rental.charged!))} charged, ${units.display(BigInt(rental.refunded!))} refunded to your balance.` }
  },
})
