import { defineCommand } from '../src/command/defineCommand.ts'
import { opt } from '../src/command/options.ts'
import { UserError } from '../src/errors/AppError.ts'
import type { RentFromAlertPayload } from '../src/notify/AvailabilityAlerts.ts'
import { quoteReply } from './rent.ts'
import { echoInput } from '../src/errors/echoInput.ts'

export default defineCommand({
  name: 'alert',
  description: 'Be told when matching GPUs become available (or: /alert delete <id>)',
  options: {
    model: opt.string({ description: 'GPU model, e.g. H100-80GB, or "delete"', required: true, autocomplete: 'gpuModels', expected: 'a GPU model such as H100-80GB' }),
    count: opt.string({ description: 'GPUs needed together (or the alert id to delete)', expected: 'a whole number of GPUs' }),
    max_price: opt.string({ description: 'Highest price per GPU-hour, e.g. 2.5', expected: 'an amount such as 2.5' }),
    region: opt.string({ description: 'Region, e.g. eu-west', autocomplete: 'regions' }),
  },
  private: true,
  examples: ['/alert H100-80GB 2 max_price:2.5', '/alert delete a7k3p'],
  run({ model, count, max_price, region }, ctx) {
    if (model.toLowerCase() === 'delete') {
      if (!count) throw new UserError('Say which alert: /alert delete <id> (see /alerts).')
      ctx.alerts.delete(ctx.accountId, count)
      return { text: `Alert ${count} removed.` }
    }
    const gpuCount = count === undefined ? 1 : Number(count)
    if (!Number.isInteger(gpuCount) || gpuCount < 1 || gpuCount > 64) throw new UserError(`Count should be a whole number from 1 to 64, not "${echoInput(String(count))}".`)
    const canonical = ctx.market.resolveModel(model)
    const alert = ctx.alerts.create({
      accountId: ctx.accountId,
      model: canonical,
      gpuCount,
      maxPrice: max_price === undefined ? undefined : ctx.units.parse(max_price, 'max_price'),
      region: region?.toLowerCase(),
    })
    return { text: `Alert ${alert.id} saved: I'll message you when ${gpuCount}× ${canonical}${alert.region ? ` in ${alert.region}` : ''}${max_price ? ` at or under ${max_price} ${ctx.units.symbol}/GPU-hour` : ''} is free.` }
  },
  actions: {
    'alert.rent': (payload: RentFromAlertPayload, ctx) =>
      quoteReply(ctx, {
        model: payload.model,
        hours: 1,
        gpuCount: payload.gpuCount,
        region: payload.region ?? undefined,
        maxPrice: payload.maxPrice === null ? undefined : BigInt(payload.maxPrice),
      }),
  },
})
