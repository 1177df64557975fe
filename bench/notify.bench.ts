import { randomBytes } from 'node:crypto'
import { pino } from 'pino'
import { SecretBox } from '../src/app/SecretBox.ts'
import { createTelegramAdapter } from '../src/chat/telegram/createTelegramAdapter.ts'
import { ChatIdentities } from '../src/identity/ChatIdentities.ts'
import { enqueueNotification } from '../src/notify/enqueueNotification.ts'
import { Notifier } from '../src/notify/Notifier.ts'
import { AvailabilityAlerts } from '../src/notify/AvailabilityAlerts.ts'
import { LocalBotApi } from '../test/chat/telegram/LocalBotApi.ts'
import { createMarketHarness } from '../test/support/marketHarness.ts'
import { createTestPipeline } from '../test/support/createTestPipeline.ts'
import { measure, type BenchRow } from './measure.ts'

/** Fan-out through the real Telegram sender (30 messages/s overall) to a
 *  local Bot API server, and alert evaluation with 100,000 saved alerts.
 *  BENCH_FANOUT sets the number of chats (default 1,000: about 35 s). */
export default async function (): Promise<BenchRow[]> {
  const count = Number(process.env.BENCH_FANOUT ?? 1000)
  const api = await LocalBotApi.start()
  const { pipeline, db } = createTestPipeline()
  const logger = pino({ level: 'silent' })
  const telegram = createTelegramAdapter({ pipeline, db, logger, token: api.token, apiRoot: api.apiRoot })
  const identities = new ChatIdentities(db)
  const now = Date.now()
  for (let i = 0; i < count; i++) {
    const user = api.user(100_000 + i, `u${i}`, { started: true })
    const { accountId } = identities.ensure({ platform: 'telegram', id: String(user.id), name: `u${i}` }, now)
    enqueueNotification(db, { dedupeKey: `epoch:7:${accountId}`, accountId, topic: 'payments', reply: { text: `Reward payout ${i} confirmed.` }, now })
  }
  const notifier = new Notifier({ db, logger, clock: Date.now, secrets: new SecretBox(randomBytes(32)), destinations: new Map([['telegram', telegram]]), concurrency: 64 })
  const started = performance.now()
  while ((await notifier.run()) > 0 || api.callsOf('sendMessage').length < count) {
    if (performance.now() - started > count * 100) break
  }
  const seconds = (performance.now() - started) / 1000
  const sends = api.callsOf('sendMessage')
  const perChat = new Map<number, number>()
  for (const call of sends) perChat.set(Number(call.payload.chat_id), (perChat.get(Number(call.payload.chat_id)) ?? 0) + 1)
  const lost = count - perChat.size
  const duplicated = [...perChat.values()].filter((n) => n > 1).length
  await telegram.stop()
  await api.close()

  const h = createMarketHarness()
  const alerts = new AvailabilityAlerts({ db: h.db, units: h.units, clock: () => h.clock.now })
  const models = ['H100-80GB', 'A100-80GB', 'RTX4090-24GB', 'L40S-48GB', 'H200-141GB']
  const regions = ['eu-west', 'us-east', 'ap-south']
  const insert = h.sqlite.prepare('insert into alerts (id, account_id, model, gpu_count, max_price, region, created_at, cool_until) values (?, ?, ?, ?, ?, ?, 0, 0)')
  h.sqlite.exec('begin')
  for (let i = 0; i < 100_000; i++) {
    const accountId = 1_000_000 + (i % 10)
    // Most want another model, region, more GPUs or a lower price than a node offers.
    const maxPrice = (i % 10 === 0 ? 3n : 1n) * 10n ** 18n
    insert.run(`b${i}`, accountId, models[i % 5], 1 + (i % 8), maxPrice.toString().padStart(40, '0'), regions[i % 3])
  }
  h.sqlite.exec('commit')
  const nodes = Array.from({ length: 50 }, (_, i) => h.provider(i, { nodeKey: `n${i}`, pricePerGpuHour: '2.5', region: regions[i % 3]!, gpus: [{ name: models[i % 5]!, memoryMb: 81920, count: 1 }] }).nodeId)
  h.sqlite.exec("update alerts set cool_until = 0; delete from notifications")
  const evaluation = await measure('alert evaluation when capacity appears (100,000 saved alerts)', { total: 50, concurrency: 1 }, (i) => {
    h.clock.now += 3600_001
    return alerts.evaluateNode(nodes[i]!)
  })
  const fired = (h.sqlite.prepare('select count(*) as n from notifications').get() as { n: number }).n
  return [
    {
      name: `notification fan-out to ${count.toLocaleString('en-US')} Telegram chats (limit 30/s)`,
      opsPerSecond: sends.length / seconds,
      note: `${Math.round((sends.length / seconds / 30) * 100)}% of the limit, ${lost} lost, ${duplicated} duplicated`,
    },
    { ...evaluation, note: `${Math.round(fired / 50)} alerts fired per evaluation on average` },
  ]
}
