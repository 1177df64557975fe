import { randomBytes } from 'node:crypto'
import { describe, expect, test } from 'vitest'
import { pino } from 'pino'
import { SecretBox } from '../../src/app/SecretBox.ts'
import type { Reply } from '../../src/command/reply.ts'
import { openDatabase } from '../../src/db/openDatabase.ts'
import { ChatIdentities } from '../../src/identity/ChatIdentities.ts'
import { DeliveryError } from '../../src/notify/DeliveryError.ts'
import { enqueueNotification } from '../../src/notify/enqueueNotification.ts'
import { Notifier, type Destination } from '../../src/notify/Notifier.ts'
import { setTopic } from '../../src/notify/preferences.ts'
import { setQuietWindow } from '../../src/notify/quietHours.ts'
import { announcementChannels } from '../../src/db/schema/outbox.ts'

/** A destination that records sends and fails on demand (a stand-in for a chat adapter). */
function recordingDestination() {
  const sent: { to: string; text: string }[] = []
  const failures = new Map<string, Error[]>()
  const destination: Destination & { sent: typeof sent; failNext(to: string, error: Error): void } = {
    sent,
    failNext: (to, error) => failures.set(to, [...(failures.get(to) ?? []), error]),
    async sendPrivate(to: string, reply: Reply) {
      const error = failures.get(to)?.shift()
      if (error) throw error
      sent.push({ to, text: reply.text ?? '' })
    },
    async sendToChannel(to: string, reply: Reply) {
      sent.push({ to: `#${to}`, text: reply.text ?? '' })
    },
  }
  return destination
}

function setup() {
  const { db, sqlite } = openDatabase(':memory:')
  const clock = { now: 1_000_000 }
  const telegram = recordingDestination()
  const identities = new ChatIdentities(db)
  const notifier = new Notifier({
    db,
    logger: pino({ level: 'silent' }),
    clock: () => clock.now,
    secrets: new SecretBox(randomBytes(32)),
    destinations: new Map([['telegram', telegram]]),
    random: () => 0.5,
  })
  const user = (id: string) => identities.ensure({ platform: 'telegram', id, name: id }, clock.now).accountId
  const notify = (accountId: number | null, key: string, text: string, topic: 'jobs' | 'governance' | 'announcements' = 'jobs') =>
    enqueueNotification(db, { dedupeKey: key, accountId, topic, reply: { text }, now: clock.now })
  return { db, sqlite, clock, telegram, notifier, user, notify }
}

describe('Notifier', () => {
  test('an outbox row is written with its cause or not at all', () => {
    const { db, sqlite, user, notify } = setup()
    const alice = user('1')
    expect(() =>
      db.transaction(() => {
        notify(alice, 'e1', 'hello')
        throw new Error('the change failed')
      }),
    ).toThrow('the change failed')
    expect(sqlite.prepare('select count(*) as n from notifications').get()).toEqual({ n: 0 })
  })

  test('the same event twice is one notification, delivered once, in order per user', async () => {
    const { telegram, notifier, user, notify } = setup()
    const alice = user('1')
    notify(alice, 'started', 'rental started')
    notify(alice, 'started', 'rental started')
    notify(alice, 'ended', 'rental ended')
    await notifier.run()
    await notifier.run()
    expect(telegram.sent).toEqual([
      { to: '1', text: 'rental started' },
      { to: '1', text: 'rental ended' },
    ])
  })

  test('a crash between send and mark-sent resends at most once', async () => {
    const { sqlite, telegram, notifier, user, notify } = setup()
    notify(user('1'), 'e1', 'hello')
    notifier.fanOut()
    sqlite.prepare("update deliveries set status = 'sending'").run() // the process died mid-send
    expect(notifier.recover()).toBe(1)
    await notifier.run()
    await notifier.run()
    expect(telegram.sent).toEqual([{ to: '1', text: 'hello' }])
  })

  test('a 429 delays exactly that chat for retry_after, not the others', async () => {
    const { clock, telegram, notifier, user, notify } = setup()
    const alice = user('1')
    const bob = user('2')
    telegram.failNext('1', new DeliveryError('rate_limited', 'Too Many Requests', 7000))
    notify(alice, 'a1', 'for alice 1')
    notify(alice, 'a2', 'for alice 2')
    notify(bob, 'b1', 'for bob')
    await notifier.run()
    expect(telegram.sent).toEqual([{ to: '2', text: 'for bob' }])
    clock.now += 6999
    await notifier.run()
    expect(telegram.sent).toHaveLength(1)
    clock.now += 1
    await notifier.run()
    expect(telegram.sent.map((s) => s.text)).toEqual(['for bob', 'for alice 1', 'for alice 2'])
  })

  test('a blocked user is marked unreachable after one failure and not retried', async () => {
    const { sqlite, telegram, notifier, user, notify } = setup()
    const alice = user('1')
    telegram.failNext('1', new DeliveryError('unreachable', 'Forbidden: bot was blocked by the user'))
    notify(alice, 'a1', 'first')
    await notifier.run()
    notify(alice, 'a2', 'second')
    await notifier.run()
    expect(telegram.sent).toEqual([])
    expect(sqlite.prepare('select dm_unreachable_at as at from chat_identities').get()).toEqual({ at: 1_000_000 })
    expect(sqlite.prepare('select status, attempts from deliveries').all()).toEqual([{ status: 'failed', attempts: 1 }])
  })

  test('an unreachable Discord identity is tried again once a day (Discord never says when DMs open); a Telegram one waits for Telegram to say', async () => {
    const { db, sqlite, clock, telegram } = setup()
    const discord = recordingDestination()
    const notifier = new Notifier({ db, logger: pino({ level: 'silent' }), clock: () => clock.now, secrets: new SecretBox(randomBytes(32)), destinations: new Map([['telegram', telegram], ['discord', discord]]), random: () => 0.5 })
    const identities = new ChatIdentities(db)
    const dana = identities.ensure({ platform: 'discord', id: 'd1', name: 'dana' }, clock.now).accountId
    const tom = identities.ensure({ platform: 'telegram', id: 't1', name: 'tom' }, clock.now).accountId
    const notify = (accountId: number, key: string) => enqueueNotification(db, { dedupeKey: key, accountId, topic: 'jobs', reply: { text: key }, now: clock.now })
    discord.failNext('d1', new DeliveryError('unreachable', 'discord 403 (code 50007): Cannot send messages to this user'))
    discord.failNext('d1', new DeliveryError('unreachable', 'discord 403 (code 50007): Cannot send messages to this user'))
    telegram.failNext('t1', new DeliveryError('unreachable', 'Forbidden: bot was blocked by the user'))
    notify(dana, 'd-1')
    notify(tom, 't-1')
    await notifier.run()
    clock.now += 24 * 3600_000 - 1
    notify(dana, 'd-2')
    await notifier.run()
    clock.now += 1
    notify(dana, 'd-3')
    notify(tom, 't-2')
    await notifier.run()
    // The retry failed too: the next waits a full day from it.
    expect(sqlite.prepare("select platform, dm_unreachable_at as at from chat_identities order by platform").all()).toEqual([
      { platform: 'discord', at: clock.now },
      { platform: 'telegram', at: clock.now - 24 * 3600_000 },
    ])
    clock.now += 24 * 3600_000
    notify(dana, 'd-4')
    await notifier.run()
    expect(discord.sent).toEqual([{ to: 'd1', text: 'd-4' }])
    expect(telegram.sent).toEqual([])
  })

  test('transient failures back off exponentially', async () => {
    const { sqlite, clock, telegram, notifier, user, notify } = setup()
    telegram.failNext('1', new DeliveryError('transient', 'socket hang up'))
    telegram.failNext('1', new DeliveryError('transient', 'socket hang up'))
    notify(user('1'), 'a1', 'hello')
    await notifier.run()
    expect(sqlite.prepare('select next_attempt_at as at from deliveries').get()).toEqual({ at: clock.now + 1000 })
    clock.now += 1000
    await notifier.run()
    expect(sqlite.prepare('select next_attempt_at as at from deliveries').get()).toEqual({ at: clock.now + 2000 })
    clock.now += 2000
    await notifier.run()
    expect(telegram.sent).toEqual([{ to: '1', text: 'hello' }])
  })

  test('preferences are respected', async () => {
    const { db, telegram, notifier, user, notify } = setup()
    const alice = user('1')
    setTopic(db, alice, 'governance', false)
    notify(alice, 'g1', 'vote now', 'governance')
    notify(alice, 'j1', 'job started', 'jobs')
    await notifier.run()
    expect(telegram.sent).toEqual([{ to: '1', text: 'job started' }])
  })

  test('announcements go to every subscribed channel', async () => {
    const { db, telegram, notifier, notify } = setup()
    db.insert(announcementChannels).values([{ platform: 'telegram', channelId: '-100', addedAt: 1 }]).run()
    notify(null, 'p1', 'New proposal p1', 'announcements')
    await notifier.run()
    expect(telegram.sent).toEqual([{ to: '#-100', text: 'New proposal p1' }])
  })

  test('quiet hours hold DMs until they end, except job notices', async () => {
    const { db, clock, telegram, notifier, user, notify } = setup()
    const alice = user('1')
    setQuietWindow(db, alice, { startHour: 22, endHour: 7 })
    clock.now = Date.UTC(2026, 10, 26, 23, 30)
    notify(alice, 'p1', 'payout confirmed', 'governance')
    notify(alice, 'j1', 'rental started', 'jobs')
    await notifier.run()
    expect(telegram.sent).toEqual([{ to: '1', text: 'rental started' }])
    clock.now = Date.UTC(2026, 10, 27, 6, 59)
    await notifier.run()
    expect(telegram.sent).toHaveLength(1)
    clock.now = Date.UTC(2026, 10, 27, 7, 0)
    await notifier.run()
    expect(telegram.sent.map((m) => m.text)).toEqual(['rental started', 'payout confirmed'])
  })
})
