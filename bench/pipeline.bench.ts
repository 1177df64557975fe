import { pino } from 'pino'
import { commandRegistry } from '../commands/registry.ts'
import { createMetrics } from '../src/app/metrics.ts'
import type { Services } from '../src/app/Services.ts'
import { CommandPipeline } from '../src/command/CommandPipeline.ts'
import { RateLimiter } from '../src/command/RateLimiter.ts'
import { openDatabase } from '../src/db/openDatabase.ts'
import { measure, measureAtRate, type BenchRow } from './measure.ts'

/** The command pipeline in-process, no network, 200 users: the highest rate
 *  with 200 commands always in flight, and latency at an offered 20,000/s. */
export default async function (): Promise<BenchRow[]> {
  const { db } = openDatabase(':memory:')
  const pipeline = new CommandPipeline({
    db,
    logger: pino({ level: 'silent' }),
    metrics: createMetrics({ defaults: false }),
    clock: Date.now,
    commands: commandRegistry,
    services: { publicUrl: 'http://localhost:8787' } as Services,
    rateLimiter: new RateLimiter({ burst: 1e9, perSecond: 1e9 }),
    adminIds: new Set(),
  })
  const users = Array.from({ length: 200 }, (_, i) => ({ platform: 'telegram' as const, id: String(i), name: `user${i}` }))
  const chat = { id: 'c', kind: 'private' as const }
  for (const user of users) await pipeline.runText(user, chat, '/help')
  const help = (i: number) => pipeline.runText(users[i % 200]!, chat, '/help')
  const invalid = (i: number) => pipeline.runText(users[i % 200]!, chat, '/help a b c')
  const closed = { total: 40_000, concurrency: 200 }
  const open = { total: 60_000, ratePerSecond: 20_000 }
  return [
    await measure('pipeline: /help, 200 users in flight (max rate)', closed, help),
    await measure('pipeline: validation error, 200 users in flight (max rate)', closed, invalid),
    await measureAtRate('pipeline: /help, 200 users at 20,000/s', open, help),
    await measureAtRate('pipeline: validation error, 200 users at 20,000/s', open, invalid),
  ]
}
