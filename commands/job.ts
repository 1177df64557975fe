import { defineCommand } from '../src/command/defineCommand.ts'
import { opt } from '../src/command/options.ts'
import { utcMinute } from '../src/time/utcMinute.ts'
import { connectionView } from '../src/market/connectionView.ts'
import { billedMinutes, formatMinutes } from '../src/market/billedMinutes.ts'

export default defineCommand({
  name: 'job',
  description: 'Show one rental with its connection details',
  options: { id: opt.string({ description: 'Rental id, e.g. r7k3p', required: true, autocomplete: 'myRentals', expected: 'a rental id such as r7k3p' }) },
  private: true,
  examples: ['/job r7k3p'],
  run({ id }, ctx) {
    const { rentals } = ctx.market
    const rental = rentals.get(ctx.accountId, id)
    const { units } = ctx
    const fields = [
      { name: 'GPUs', value: `${rental.gpuCount}× ${rental.model} on node ${rental.nodeId}` },
      { name: 'Status', value: rental.status + (rental.failureReason ? ` (${rental.failureReason})` : '') },
      // Once settled, the time used is what matters: the hours paid were only the cap.
      { name: 'Price', value: `${units.format(BigInt(rental.pricePerGpuHour))} per GPU-hour${rental.endedAt ? '' : `, ${rental.hours} h paid`}` },
    ]
    if (rental.startedAt) fields.push({ name: 'Started', value: utcMinute(rental.startedAt) })
    if (rental.endsAt && !rental.endedAt) fields.push({ name: 'Ends', value: utcMinute(rental.endsAt) })
    const auto = rental.endedAt ? undefined : ctx.market.autoExtendOf(ctx.accountId, rental.id)
    if (auto) fields.push({ name: 'Auto-extend', value: `1 h at a time before the end; ${auto.extendedHours} of ${auto.capHours} h added` })
    if (rental.endedAt) fields.push({ name: 'Used', value: `${formatMinutes(billedMinutes(rental))} of the ${rental.hours} h paid (billed per started minute)` })
    if (rental.endedAt) fields.push({ name: 'Settled', value: `${units.format(BigInt(rental.charged ?? '0'))} charged, ${units.format(BigInt(rental.refunded ?? '0'))} refunded` })
    if (rental.imageName) fields.push({ name: 'Image', value: `${rental.imageName} (${rental.image})` })
    const connection = rental.status === 'running' ? rentals.connectionDetails(rental) : null
    const view = connection ? connectionView(connection) : undefined
    return { title: `Rental ${rental.id}`, fields: [...fields, ...(view?.fields ?? [])], ...(view?.code ? { code: view.code } : {}) }
  },
})
