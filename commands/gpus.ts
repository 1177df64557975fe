import { defineCommand } from '../src/command/defineCommand.ts'
import { opt } from '../src/command/options.ts'
import { modelWordCount } from '../src/market/modelWordCount.ts'

export default defineCommand({
  name: 'gpus',
  description: 'Show available GPU capacity by model: free count, price, regions, reliability',
  options: {
    model: opt.string({ description: 'GPU model, e.g. H100-80GB', autocomplete: 'gpuModels', words: modelWordCount }),
    count: opt.integer({ description: 'GPUs needed together on one machine', min: 1, max: 64 }),
    min_vram: opt.integer({ description: 'Least GPU memory in GB', min: 1, max: 1024 }),
    max_price: opt.string({ description: 'Highest price per GPU-hour, e.g. 2.5', expected: 'an amount such as 2.5' }),
    region: opt.string({ description: 'Region, e.g. eu-west', autocomplete: 'regions' }),
    min_reliability: opt.integer({ description: 'Least reliability in percent', min: 0, max: 100 }),
  },
  examples: ['/gpus', '/gpus H100 count:2', '/gpus max_price:1.5 region:eu-west'],
  run(args, ctx) {
    const groups = ctx.market.search({
      model: args.model ? ctx.market.resolveModel(args.model) : undefined,
      count: args.count,
      minVramGb: args.min_vram,
      maxPricePerGpuHour: args.max_price === undefined ? undefined : ctx.units.parse(args.max_price, 'max_price', { allowZero: true }),
      region: args.region?.toLowerCase(),
      minReliability: args.min_reliability === undefined ? undefined : args.min_reliability / 100,
    })
    if (groups.length === 0) return { text: 'No capacity matches that right now. /alert tells you when some appears.' }
    const price = (n: bigint) => ctx.units.display(n).replace(` ${ctx.units.symbol}`, '')
    return {
      title: `Available GPUs (price in ${ctx.units.symbol} per GPU-hour)`,
      table: {
        columns: ['model', 'free', 'nodes', 'price', 'regions', 'reliability'],
        rows: groups.map((g) => [
          g.model,
          String(g.freeGpus),
          String(g.nodes),
          g.minPrice === g.maxPrice ? price(g.minPrice) : `${price(g.minPrice)}–${price(g.maxPrice)}`,
          g.regions.join(', '),
          `${Math.round(g.medianReliability * 100)}%`,
        ]),
      },
      text: 'Rent with /rent <model> <hours> [count].',
      image: availabilityChart(ctx.publicUrl, groups.length === 1 ? groups[0]!.model : undefined),
    }
  },
})

/** The network's free GPUs and prices over the last week; one model's when the answer is about one. */
function availabilityChart(publicUrl: string, model: string | undefined) {
  const query = new URLSearchParams({ ...(model ? { model } : {}), days: '7' })
  return { url: `${publicUrl}/charts/availability.png?${query}`, alt: `Free GPUs and prices over 7 days${model ? ` for ${model}` : ''}` }
}
