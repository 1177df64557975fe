import { defineCommand } from '../src/command/defineCommand.ts'
import { opt } from '../src/command/options.ts'
import { UserError } from '../src/errors/AppError.ts'
import { utcMinute } from '../src/time/utcMinute.ts'

const LOOSENING_WAITS =
  'Loosening the limit waits out the security hold, so that someone using your chat account cannot spend past it at once; every chat identity of your account was told, with a Freeze button in case it was not you.'
const SPEND_FORM = 'Give the monthly cap as an amount, like /limits spend 500, or /limits spend off to remove it.'

export default defineCommand({
  name: 'limits',
  description: 'Show or set your monthly spend limit on rentals',
  options: {
    limit: opt.choice({ description: 'Which limit: spend (a monthly cap on rentals)', choices: ['spend'] }),
    amount: opt.string({ description: 'The monthly cap, e.g. 500, or off', expected: 'an amount such as 500, or off' }),
  },
  private: true,
  examples: ['/limits', '/limits spend 500', '/limits spend off'],
  run({ limit, amount }, ctx) {
    const { units } = ctx
    if (limit === undefined) {
      const { cap, pending, committed, nextMonthStart } = ctx.spendLimits.status(ctx.accountId)
      if (cap === undefined) {
        return { text: `You have no monthly spend limit; ${units.display(committed)} is committed to rentals this month (UTC). Set one with /limits spend <amount>, e.g. /limits spend 500.` }
      }
      const left = cap > committed ? cap - committed : 0n
      return {
        title: 'Your limits',
        fields: [
          { name: 'Monthly spend limit', value: units.display(cap) },
          { name: 'Committed this month (UTC)', value: `${units.display(committed)}; ${units.display(left)} left until ${utcMinute(nextMonthStart)}` },
          ...(pending ? [{ name: 'Waiting', value: `${pending.cap === undefined ? 'removed' : `raised to ${units.display(pending.cap)}`} at ${utcMinute(pending.from)}` }] : []),
        ],
        text: 'Confirms and extensions (manual and auto) that would pass it are refused; refunds of unused time count back. /limits spend <amount> changes it, /limits spend off removes it.',
      }
    }
    if (amount === undefined) throw new UserError(`The amount is missing. ${SPEND_FORM}`, 'BAD_LIMIT')
    if (amount.toLowerCase() === 'off') {
      const change = ctx.spendLimits.remove(ctx.accountId)
      if (change.applied === 'nothing') return { text: 'You had no monthly spend limit; nothing changed.' }
      return { text: `Your monthly spend limit will be removed at ${utcMinute(change.from)}. ${LOOSENING_WAITS}` }
    }
    const cap = units.parse(amount, 'monthly spend limit', { allowZero: true })
    const change = ctx.spendLimits.set(ctx.accountId, cap)
    const { cap: inForce, committed } = ctx.spendLimits.status(ctx.accountId)
    if (change.applied === 'later') {
      return { text: `Your monthly spend limit stays ${units.display(inForce!)} until ${utcMinute(change.from)}, then becomes ${units.display(cap)}. ${LOOSENING_WAITS}` }
    }
    return { text: `Your monthly spend limit is now ${units.display(cap)}; ${units.display(committed)} is committed this month (UTC).` }
  },
})
