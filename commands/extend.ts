import { defineCommand } from '../src/command/defineCommand.ts'
import { opt } from '../src/command/options.ts'
import type { CommandContext } from '../src/command/CommandContext.ts'
import type { Reply } from '../src/command/reply.ts'
import { EXTEND_ACTION, type ExtendButtonPayload } from '../src/market/rentalReminders.ts'
import { STOP_AUTO_EXTEND_ACTION, type StopAutoExtendPayload } from '../src/market/autoExtend.ts'
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
    return extendReply(ctx, id, hours)
  },
  actions: {
    // The reminder's Extend 1 h / 4 h buttons: the same extension as the command, for the presser's own account.
    [EXTEND_ACTION]: ({ rentalId, hours }: ExtendButtonPayload, ctx) => extendReply(ctx, rentalId, hours),
    // On each auto-extension message: the hours already added stay; the rental then ends at its current end.
    [STOP_AUTO_EXTEND_ACTION]: ({ rentalId }: StopAutoExtendPayload, ctx) => {
      const stopped = ctx.market.stopAutoExtend(ctx.accountId, rentalId)
      const { status, endsAt, endedAt } = ctx.market.rentals.get(ctx.accountId, rentalId)
      if (endedAt) return { text: `Rental ${rentalId} already ended (${status}); nothing more is added to it.` }
      const end = endsAt ? ` it ends ${utcMinute(endsAt)} unless you /extend it` : ''
      return { text: stopped ? `Auto-extend is off for ${rentalId};${end || ' nothing more is added'}.` : `Auto-extend was already off for ${rentalId}.` }
    },
  },
})

function extendReply(ctx: CommandContext, id: string, hours: number): Reply {
  const rental = ctx.market.rentals.extend({ accountId: ctx.accountId, id, hours })
  return { text: `Extended ${rental.id} by ${hours} h${rental.endsAt ? `; it now ends ${utcMinute(rental.endsAt)}` : ''}. ${ctx.units.display(BigInt(rental.escrowed))} is in escrow for it.` }
}
