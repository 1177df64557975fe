import { defineCommand } from '../src/command/defineCommand.ts'

export default defineCommand({
  name: 'alerts',
  description: 'List your saved availability alerts',
  options: {},
  private: true,
  run(_args, ctx) {
    const list = ctx.alerts.list(ctx.accountId)
    if (list.length === 0) return { text: 'You have no alerts. /alert <model> [count] [max_price] [region] saves one.' }
    return {
      title: 'Your alerts',
      table: {
        columns: ['id', 'GPUs', 'max price', 'region', 'state'],
        rows: list.map((a) => [
          a.id,
          `${a.gpuCount}× ${a.model}`,
          a.maxPrice ? ctx.units.display(BigInt(a.maxPrice)) : 'any',
          a.region ?? 'any',
          a.coolUntil > ctx.now ? 'resting' : 'watching',
        ]),
      },
      text: '/alert delete <id> removes one.',
    }
  },
})
