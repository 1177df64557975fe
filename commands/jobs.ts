import { defineCommand } from '../src/command/defineCommand.ts'
import { utcMinute } from '../src/time/utcMinute.ts'

export default defineCommand({
  name: 'jobs',
  description: 'List your rentals',
  options: {},
  private: true,
  run(_args, ctx) {
    const list = ctx.market.rentals.list(ctx.accountId)
    if (list.length === 0) return { text: 'You have no rentals yet. /gpus shows what is available.' }
    return {
      title: 'Your rentals',
      table: {
        columns: ['id', 'GPUs', 'status', 'ends'],
        rows: list.map((r) => [r.id, `${r.gpuCount}× ${r.model}`, r.status, r.endedAt ? `ended ${utcMinute(r.endedAt)}` : r.endsAt ? utcMinute(r.endsAt) : `${r.hours} h once running`]),
      },
      text: '/job <id> shows one; /stop <id> ends it early.',
    }
  },
})
