import { randomBytes } from 'node:crypto'
import { and, eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { SecretBox } from '../../../src/app/SecretBox.ts'
import { createDiscordAdapter } from '../../../src/chat/discord/createDiscordAdapter.ts'
import type { ChatAdapter } from '../../../src/chat/ChatAdapter.ts'
import { chatIdentities } from '../../../src/db/schema/identity.ts'
import { deliveries, notifications } from '../../../src/db/schema/outbox.ts'
import { isDmUnreachable } from '../../../src/identity/dmReachability.ts'
import { enqueueNotification } from '../../../src/notify/enqueueNotification.ts'
import { Notifier } from '../../../src/notify/Notifier.ts'
import { createTestPipeline } from '../../support/createTestPipeline.ts'
import { shownText, type FakeUser } from './discordPayloads.ts'
import { LocalDiscordServer } from './LocalDiscordServer.ts'
import { createTestCommands } from './testCommands.ts'

const TOKEN = 'MTIzNDU2Nzg5.test-bot-token.local'
const EPHEMERAL = 64
const DAY = 24 * 3600_000
const NOTICE =
  'I could not send you a direct message: your DMs are closed to me, so notifications (jobs starting and ending, payouts, vote reminders) cannot reach you. ' +
  'To receive them, turn on Direct Messages in this server’s Privacy Settings (server menu › Privacy Settings). ' +
  'I try again after your next command here and once a day; notifications resume with the first message that goes through.'

let server: LocalDiscordServer
let harness: ReturnType<typeof createTestPipeline>
let adapter: ChatAdapter
let notifier: Notifier
let skewMs = 0
const clock = () => Date.now() + skewMs
let sequence = 0

beforeAll(async () => {
  server = await LocalDiscordServer.start({ token: TOKEN, heartbeatIntervalMs: 250 })
  harness = createTestPipeline({ commands: createTestCommands([]), clock })
  adapter = createDiscordAdapter({ pipeline: harness.pipeline, db: harness.db, logger: harness.logger, clock, token: TOKEN, applicationId: server.applicationId, guildId: server.guild.id, apiBase: server.apiBase })
  await adapter.start()
  notifier = new Notifier({ db: harness.db, logger: harness.logger, clock, secrets: new SecretBox(randomBytes(32)), destinations: new Map([['discord', adapter]]), random: () => 0.5 })
})

afterAll(async () => {
  await adapter?.stop()
  await server?.close()
  harness?.close()
})

function accountOf(user: FakeUser): number {
  return harness.db.select().from(chatIdentities).where(and(eq(chatIdentities.platform, 'discord'), eq(chatIdentities.platformUserId, user.id))).get()!.accountId
}

/** Queues a job notice for the user and runs one notifier pass; returns the DM texts Discord received for it. */
async function notify(user: FakeUser, text: string): Promise<{ delivered: string[]; status: string | undefined }> {
  const dedupeKey = `test.dm:${++sequence}`
  enqueueNotification(harness.db, { dedupeKey, accountId: accountOf(user), topic: 'jobs', reply: { text }, now: clock() })
  await notifier.run()
  const id = harness.db.select({ id: notifications.id }).from(notifications).where(eq(notifications.dedupeKey, dedupeKey)).get()!.id
  const delivered = server.requests.filter((r) => r.path === `/channels/${server.dmChannelOf(user.id)}/messages` && r.status === 200 && r.body.embeds?.[0]?.description === text).map((r) => r.body.embeds[0].description as string)
  const status = harness.db.select({ status: deliveries.status }).from(deliveries).where(eq(deliveries.notificationId, id)).get()?.status
  return { delivered, status }
}

async function command(user: FakeUser) {
  const interaction = server.slash({ user, name: 'secret' })
  await interaction.acked
  await new Promise((resolve) => setTimeout(resolve, 150))
  return [interaction.originalId, ...interaction.followUpIds].map((id) => server.messages.get(id!)!).map((m) => [shownText(m), m.flags])
}

describe('a Discord user whose DMs were closed', () => {
  test('attack on silence: after reopening DMs, the next command brings notifications back; the notice says so, once', async () => {
    const ola = server.user('ola')
    await command(ola)
    server.closeDms(ola.id)
    expect(await notify(ola, 'Job r1 started')).toEqual({ delivered: [], status: 'failed' })
    expect(isDmUnreachable(harness.db, 'discord', ola.id)).toBe(true)

    server.openDms(ola.id)
    // Nothing says the DMs opened: until the user shows up, nothing is tried.
    expect(await notify(ola, 'Job r1 ended')).toEqual({ delivered: [], status: undefined })

    expect(await command(ola)).toEqual([
      ['**Balance**\nYou hold 42.5 GRID', EPHEMERAL],
      [NOTICE, EPHEMERAL],
    ])
    expect(await notify(ola, 'Job r2 started')).toEqual({ delivered: ['Job r2 started'], status: 'sent' })
    expect(isDmUnreachable(harness.db, 'discord', ola.id)).toBe(false)
  })

  test('DMs still closed: one failed try after each command, told only once; otherwise retried once a day', async () => {
    const pia = server.user('pia')
    await command(pia)
    server.closeDms(pia.id)
    expect((await notify(pia, 'Payout sent')).status).toBe('failed')
    expect((await command(pia)).at(-1)).toEqual([NOTICE, EPHEMERAL])

    // Tried after that command, failed again: marked again, no second notice.
    expect((await notify(pia, 'Node offline')).status).toBe('failed')
    expect((await notify(pia, 'Node back')).status).toBeUndefined()
    expect(await command(pia)).toEqual([['**Balance**\nYou hold 42.5 GRID', EPHEMERAL]])

    expect((await notify(pia, 'Reminder')).status).toBe('failed')
    skewMs = DAY - 60_000
    expect((await notify(pia, 'Still closed?')).status).toBeUndefined()
    skewMs = DAY
    server.openDms(pia.id)
    expect(await notify(pia, 'A day later')).toEqual({ delivered: ['A day later'], status: 'sent' })
    skewMs = 0
  })
})
