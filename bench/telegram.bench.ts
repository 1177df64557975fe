import { pino } from 'pino'
import { createTelegramAdapter } from '../src/chat/telegram/createTelegramAdapter.ts'
import type { SenderLimits } from '../src/chat/telegram/TelegramSender.ts'
import { LocalBotApi } from '../test/chat/telegram/LocalBotApi.ts'
import { createTestPipeline } from '../test/support/createTestPipeline.ts'
import { percentiles, type BenchRow } from './measure.ts'

/** The local Bot API server does not throttle, so this measures our side:
 *  polling, parsing, the pipeline, rendering, the sender and HTTP. */
const UNTHROTTLED: Partial<SenderLimits> = {
  privateChat: { burst: 1_000, perSecond: 1_000_000 },
  groupChat: { burst: 1_000, perSecond: 1_000_000 },
  global: { burst: 1_000, perSecond: 1_000_000 },
}

/** /help end to end through long polling against the local Bot API server:
 *  each user types a command, waits for the answer, types the next. Latency
 *  runs from the update being queued on the server to the reply reaching it. */
export default async function telegramBench(): Promise<BenchRow[]> {
  return [
    await run({ name: 'telegram /help, polling, 200 users × 10', users: 200, perUser: 10, limits: UNTHROTTLED, note: 'send limits off' }),
    await run({ name: 'telegram /help, polling, 150 users × 1', users: 150, perUser: 1, note: "Telegram's limits on: 30 msg/s overall" }),
  ]
}

async function run(options: { name: string; users: number; perUser: number; limits?: Partial<SenderLimits>; note: string }): Promise<BenchRow> {
  const api = await LocalBotApi.start()
  const { pipeline, db, close } = createTestPipeline({ rateLimit: { burst: 1_000_000, perSecond: 1_000_000 } })
  const adapter = createTelegramAdapter({ pipeline, db, logger: pino({ level: 'silent' }), token: api.token, apiRoot: api.apiRoot, limits: options.limits })
  await adapter.start()
  const warm = api.user(1, 'warm-up')
  api.sendText(warm, '/help')
  await api.nextMessage(warm.id)

  const people = Array.from({ length: options.users }, (_, i) => api.user(10_000 + i, `user${i}`))
  const latencies: number[] = []
  const started = performance.now()
  await Promise.all(
    people.map(async (user) => {
      for (let k = 0; k < options.perUser; k++) {
        const t0 = performance.now()
        api.sendText(user, '/help')
        await api.nextMessage(user.id, 60_000)
        latencies.push(performance.now() - t0)
      }
    }),
  )
  const seconds = (performance.now() - started) / 1000
  await adapter.stop()
  await api.close()
  close()
  return { name: options.name, opsPerSecond: latencies.length / seconds, ...percentiles(latencies), note: options.note }
}
