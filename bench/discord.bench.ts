import { createDiscordAdapter } from '../src/chat/discord/createDiscordAdapter.ts'
import { LocalDiscordServer } from '../test/chat/discord/LocalDiscordServer.ts'
import { createTestPipeline } from '../test/support/createTestPipeline.ts'
import { measure, type BenchRow } from './measure.ts'

const TOKEN = 'bench-bot-token.local'
const USERS = 500

/** End to end through discord.js against the local Discord server: the
 *  server dispatches INTERACTION_CREATE over the gateway, the adapter runs
 *  /help through the pipeline (SQLite identity lookup included) and posts the
 *  interaction callback; latency is dispatch → callback received. Then a
 *  notification fan-out through the gate and discord.js's REST queue. */
export default async function discordBench(): Promise<BenchRow[]> {
  const server = await LocalDiscordServer.start({ token: TOKEN })
  const harness = createTestPipeline({ rateLimit: { burst: 1_000_000, perSecond: 1_000_000 } })
  const adapter = createDiscordAdapter({
    pipeline: harness.pipeline,
    db: harness.db,
    logger: harness.logger,
    token: TOKEN,
    applicationId: server.applicationId,
    guildId: server.guild.id,
    apiBase: server.apiBase,
  })
  await adapter.start()
  try {
    const users = Array.from({ length: USERS }, (_, i) => server.user(`bench${i}`))
    const help = (i: number) => server.slash({ user: users[i % USERS]!, name: 'help' }).acked
    // Warm at full concurrency: undici opens its connections and the JIT settles first.
    await measure('warm-up', { total: 2000, concurrency: 50 }, help)
    const serial = await measure('discord /help, one at a time (dispatch → ack)', { total: 500, concurrency: 1 }, help)
    const loaded = await measure('discord /help, 50 in flight (dispatch → ack)', { total: 2000, concurrency: 50 }, help)
    const late = server.errors.filter((e) => e.code === 10062 || e.code === 40060).length

    // discord.js holds every bot-token request to 50/s (Discord's global limit); the gate bounds what waits for it.
    const recipients = users.slice(0, 100)
    const fanOut = await measure('discord sendPrivate fan-out, 100 users', { total: recipients.length, concurrency: 100 }, (i) =>
      adapter.sendPrivate(recipients[i]!.id, { title: 'Epoch 41 closed', text: 'Your reward: 12.5 GRID, paid to 0xabc…' }),
    )
    return [
      { ...serial, note: `${late} late or double acknowledgements` },
      loaded,
      { ...fanOut, note: 'opens 100 DMs then posts; bounded by discord.js’s 50 requests/s global limit' },
    ]
  } finally {
    await adapter.stop()
    await server.close()
    harness.close()
  }
}
