import { defineCommand } from '../src/command/defineCommand.ts'
import { opt } from '../src/command/options.ts'
import { clip } from '../src/command/parseArguments.ts'
import { utcMinute } from '../src/time/utcMinute.ts'

export default defineCommand({
  name: 'proposals',
  description: 'List governance proposals: active, or closed',
  slow: true,
  options: {
    filter: opt.choice({ description: 'Which ones: active (default: newest of all) or closed', choices: ['active', 'closed'] }),
  },
  examples: ['/proposals', '/proposals active', '/proposals closed'],
  run({ filter }, ctx) {
    const governance = ctx.governance
    const list = governance.list(filter)
    if (list.length === 0) {
      if (filter === 'active') return { text: 'No proposal is open for voting right now. /proposals closed lists past ones.' }
      if (filter === 'closed') return { text: 'No proposal has closed yet. /proposals active lists open ones.' }
      return { text: 'There are no proposals yet. Holders with enough voting power can start one with /propose.' }
    }
    return {
      title: filter === 'closed' ? 'Closed proposals' : filter === 'active' ? 'Active proposals' : 'Proposals',
      table: {
        columns: ['id', 'title', 'status', 'closes', 'leading'],
        rows: list.map((p) => {
          const tally = governance.tally(p)
          const leading = tally.winner ? p.choices[tally.winner - 1]! : '—'
          return [p.id, clip(p.title, 36), p.status, utcMinute(p.endAt), p.status === 'closed' && !tally.quorumMet ? `${leading} (no quorum)` : leading]
        }),
      },
      text: '/proposal <id> shows one with its vote buttons.',
    }
  },
})
