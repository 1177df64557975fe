import { defineCommand } from '../src/command/defineCommand.ts'
import { opt } from '../src/command/options.ts'
import { modelWordCount } from '../src/market/modelWordCount.ts'
import { OFFER_SORTS, type DetailedOffer } from '../src/market/NodeOffers.ts'
import { utcMinute } from '../src/time/utcMinute.ts'

/** Rows in one answer: a chat message stays readable; the rest is counted. */
export const OFFERS_SHOWN = 15

export default defineCommand({
  name: 'offers',
  description: 'Single node offers: free GPUs, price, reliability, speed, driver/CUDA, disk',
  options: {
    model: opt.string({ description: 'GPU model, e.g. H100-80GB', autocomplete: 'gpuModels', words: modelWordCount }),
    count: opt.integer({ description: 'GPUs needed together on one machine', min: 1, max: 64 }),
    region: opt.string({ description: 'Region, e.g. eu-west', autocomplete: 'regions' }),
    max_price: opt.string({ description: 'Highest price per GPU-hour, e.g. 2.5', expected: 'an amount such as 2.5' }),
    min_reliability: opt.integer({ description: 'Least reliability in percent', min: 0, max: 100 }),
    sort: opt.choice({ description: 'Order: price (cheapest), reliability or speed (fastest measured)', choices: OFFER_SORTS, default: 'price' }),
  },
  examples: ['/offers', '/offers H100 count:2 sort:speed', '/offers region:eu-west max_price:1.5'],
  run(args, ctx) {
    const { offers, more } = ctx.market.offers(
      {
        model: args.model ? ctx.market.resolveModel(args.model) : undefined,
        count: args.count,
        maxPricePerGpuHour: args.max_price === undefined ? undefined : ctx.units.parse(args.max_price, 'max_price', { allowZero: true }),
        region: args.region?.toLowerCase(),
        minReliability: args.min_reliability === undefined ? undefined : args.min_reliability / 100,
      },
      args.sort,
      OFFERS_SHOWN,
    )
    if (offers.length === 0) return { text: 'No offers match that right now. /alert tells you when capacity appears.' }
    const price = (n: bigint) => ctx.units.display(n).replace(` ${ctx.units.symbol}`, '')
    const narrow = more > 0 ? `${more} more: narrow the search (model, count, region, max_price, min_reliability).\n` : ''
    return {
      title: `Offers by ${args.sort} (price in ${ctx.units.symbol} per GPU-hour, times UTC)`,
      table: {
        columns: ['node', 'free', 'price', 'region', 'reliability', 'verified', 'speed', 'driver/CUDA', 'disk'],
        rows: offers.map((o) => [
          o.nodeId,
          `${o.free}× ${o.model}`,
          price(o.pricePerGpuHour),
          o.region,
          `${Math.round(o.reliability * 100)}%`,
          o.verifiedAt === null ? '—' : utcMinute(o.verifiedAt).replace(' UTC', ''),
          speedOf(o),
          o.driverVersion === null && o.cudaVersion === null ? '—' : `${o.driverVersion ?? '—'} / ${o.cudaVersion ?? '—'}`,
          diskOf(o.freeDiskMb),
        ]),
      },
      text: `${narrow}Rent one with /rent node:<id> <hours> [count].`,
    }
  },
})

/** Measured speed against the model's expected throughput; a declared node's is a CPU's, so it says so. */
function speedOf(offer: DetailedOffer): string {
  if (offer.simulated) return 'simulated'
  return offer.measuredSpeedBps === null ? '—' : `${Math.round(offer.measuredSpeedBps / 100)}%`
}

function diskOf(freeMb: number | null): string {
  if (freeMb === null) return '—'
  return freeMb >= 1024 ? `${Math.floor(freeMb / 1024)} GB` : `${freeMb} MB`
}
