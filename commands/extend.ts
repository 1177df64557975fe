import { defineCommand } from '../src/command/defineCommand.ts'
import { opt } from '../src/command/options.ts'
import { utcMinute } from '../src/time/utcMinute.ts'

export default defineCommand({
  name: 'extend',
  description: 'Add hours to a rental',
  options: {
    id: opt.string({ description: 'Rental id, e.g. r7k3p', required: true, autocomplete: 'myRentals', expected: 'a rental id such as r7k3p' }),
    hours: opt.integer({ description: 'Hours to add', required: true, min: 1, max: 720 }),
  },
  private: true,
  examples: ['/extend r7k3p 2'],
  run({ id, hours }, ctx) {
    const rental = ctx.market.rentals.extend({ accountId: ctx.accountId, id, hours })
    return { text: `Extended ${rental.id} by ${hours} h${rental.endsAt ? `; it now ends ${utcMinute(rental.endsAt)}` : ''}. ${ctx.units.display(BigInt(rental.escrowed))} is in escrow for it.` }
  },
})
