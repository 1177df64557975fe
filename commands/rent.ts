import { defineCommand } from '../src/command/defineCommand.ts'
import { opt } from '../src/command/options.ts'
import { modelWordCount } from '../src/market/modelWordCount.ts'
import type { CommandContext } from '../src/command/CommandContext.ts'
import type { Reply } from '../src/command/reply.ts'
import type { QuotePayload } from '../src/market/quoteRental.ts'
import { resolveWorkloadImage } from '../src/market/workloadImages.ts'
import { AUTO_EXTEND_MAX_HOURS } from '../src/market/autoExtend.ts'
import { CapacityGoneError } from '../src/market/MarketErrors.ts'
import { UserError } from '../src/errors/AppError.ts'
import { usageError } from '../src/command/parseArguments.ts'

/** What the Confirm button carries: the quote, the catalogue name of the image, the auto-extend cap,
 *  and whether the renter chose the node (/rent node:), so a taken node is named, never swapped. */
type RentPayload = QuotePayload & { image?: string; autoExtendHours?: number; chosenNode?: true }

/** What to quote: the cheapest node with the model, or the node the renter chose from /offers. */
type Wanted = { hours: number; gpuCount: number; maxPrice?: bigint; region?: string; image?: string; autoExtendHours?: number } & ({ model: string } | { nodeId: string; model?: string })

const rent = defineCommand({
  name: 'rent',
  description: 'Rent GPUs: get a quote, then confirm',
  options: {
    model: opt.string({ description: 'GPU model, e.g. H100-80GB (with node:, only if that node has several)', autocomplete: 'gpuModels', expected: 'a GPU model such as H100-80GB', words: modelWordCount, replacedBy: 'node' }),
    hours: opt.integer({ description: 'Hours to rent', required: true, min: 1, max: 720 }),
    count: opt.integer({ description: 'GPUs on one machine', min: 1, max: 16, default: 1 }),
    max_price: opt.string({ description: 'Highest price per GPU-hour, e.g. 2.5', expected: 'an amount such as 2.5' }),
    region: opt.string({ description: 'Region, e.g. eu-west', autocomplete: 'regions' }),
    image: opt.string({ description: 'Workload image from the catalogue, e.g. pytorch (the default)', autocomplete: 'workloadImages', expected: 'an image name such as pytorch' }),
    auto_extend: opt.integer({ description: 'Add 1 h at a time before the end while your balance allows, up to this many hours', min: 1, max: AUTO_EXTEND_MAX_HOURS, expected: `a whole number of hours from 1 to ${AUTO_EXTEND_MAX_HOURS}, e.g. auto_extend:8` }),
    node: opt.string({ description: 'A node id from /offers, e.g. n3k9q: rent on that node only', expected: 'a node id from /offers such as n3k9q' }),
  },
  private: true,
  examples: ['/rent H100-80GB 4', '/rent node:n3k9q 4 2', '/rent RTX4090 2 count:2 max_price:0.8', '/rent H100-80GB 4 image:pytorch', '/rent H100-80GB 4 auto_extend:8'],
  run(args, ctx) {
    const common = {
      hours: args.hours,
      gpuCount: args.count,
      maxPrice: args.max_price === undefined ? undefined : ctx.units.parse(args.max_price, 'max_price'),
      region: args.region?.toLowerCase(),
      image: args.image,
      autoExtendHours: args.auto_extend,
    }
    if (args.node !== undefined) return quoteReply(ctx, { ...common, nodeId: args.node.toLowerCase(), ...(args.model ? { model: ctx.market.resolveModel(args.model) } : {}) })
    if (args.model === undefined) throw usageError(rent, 'model is missing: expected a GPU model such as H100-80GB, or node:<id> from /offers')
    return quoteReply(ctx, { ...common, model: ctx.market.resolveModel(args.model) })
  },
  actions: {
    'rent.confirm': (quote: RentPayload, ctx) => {
      const rental = confirmOnQuotedNode(ctx, quote)
      const auto = quote.autoExtendHours ? ` Auto-extend adds 1 h at a time before the end, up to ${quote.autoExtendHours} h, while your balance allows.` : ''
      return {
        text: `Confirmed: rental ${rental.id} starting (${rental.gpuCount}× ${rental.model} for ${rental.hours} h, ${ctx.units.display(BigInt(rental.escrowed))} in escrow). You get the connection details as soon as it runs; /job ${rental.id} shows its state.${auto}`,
      }
    },
    'rent.cancel': () => ({ text: 'Cancelled; nothing was charged.' }),
  },
})

export default rent

/** Confirms on the quoted node; a node the renter chose that was taken (or repriced) meanwhile is named. */
function confirmOnQuotedNode(ctx: CommandContext, quote: RentPayload) {
  try {
    return ctx.market.rentals.confirm({ accountId: ctx.accountId, quote, image: quote.image, autoExtendHours: quote.autoExtendHours })
  } catch (error) {
    if (!quote.chosenNode || !(error instanceof CapacityGoneError)) throw error
    throw new UserError(`Node ${quote.nodeId} no longer has ${quote.gpuCount}× ${quote.model} free at the quoted price; nothing was charged. /offers shows what is free now.`, 'CAPACITY_GONE')
  }
}

/** The quote with Confirm / Cancel buttons; also behind an alert's Rent button. */
export function quoteReply(
  ctx: CommandContext,
  { image: imageName, autoExtendHours, ...wanted }: Wanted,
): Reply {
  const { units } = ctx
  // Checked before the quote: an unknown name is answered with the names there are.
  const image = resolveWorkloadImage(ctx.params, imageName)
  const quote = ctx.market.rentals.quote({ accountId: ctx.accountId, ...wanted })
  const payload: RentPayload = {
    image: image.name,
    nodeId: quote.nodeId,
    model: quote.model,
    gpuCount: quote.gpuCount,
    hours: quote.hours,
    pricePerGpuHour: quote.pricePerGpuHour.toString(),
    expiresAt: quote.expiresAt,
    ...(autoExtendHours ? { autoExtendHours } : {}),
    ...('nodeId' in wanted ? { chosenNode: true as const } : {}),
  }
  const short = quote.balanceAfter < 0n
  // Optional: pipelines built without it (some tests) quote as before.
  const limit = ctx.spendLimits?.status(ctx.accountId)
  const left = limit?.cap === undefined ? undefined : limit.cap > limit.committed ? limit.cap - limit.committed : 0n
  return {
    title: `Quote: ${quote.gpuCount}× ${quote.model} for ${quote.hours} h`,
    fields: [
      { name: 'Node', value: `${quote.nodeId} (${quote.region}, ${Math.round(quote.reliability * 100)}% reliable)` },
      { name: 'Image', value: `${image.name} (${image.reference})` },
      { name: 'Price', value: `${units.display(quote.pricePerGpuHour)} per GPU-hour` },
      { name: 'Total', value: `${units.display(quote.total)}, held in escrow; unused time is refunded` },
      { name: 'Balance after', value: short ? `${units.display(0n)} — you need ${units.display(-quote.balanceAfter)} more (/deposit)` : units.display(quote.balanceAfter) },
      ...(left === undefined
        ? []
        : [{ name: 'Spend limit', value: `${units.display(left)} of ${units.display(limit!.cap!)} left this month (UTC)${quote.total > left ? '; this quote is over it, so Confirm would be refused' : ''}` }]),
      ...(autoExtendHours
        ? [{ name: 'Auto-extend', value: `1 h at a time (${units.display(quote.pricePerGpuHour * BigInt(quote.gpuCount))} each) before the end, up to ${autoExtendHours} h, while your balance allows` }]
        : []),
    ],
    text: 'This quote is valid for 2 minutes.',
    private: true,
    buttons: [
      { label: 'Confirm', action: ctx.action('rent.confirm', payload, { ttlMs: quote.expiresAt - ctx.now }), style: 'success' },
      { label: 'Cancel', action: ctx.action('rent.cancel', null, { ttlMs: quote.expiresAt - ctx.now }), style: 'secondary' },
    ],
  }
}
