import { randomBytes } from 'node:crypto'
import { describe, expect, test } from 'vitest'
import { pino } from 'pino'
import { Registry } from 'prom-client'
import { SecretBox } from '../../src/app/SecretBox.ts'
import type { Reply } from '../../src/command/reply.ts'
import { openDatabase } from '../../src/db/openDatabase.ts'
import { announcementChannels } from '../../src/db/schema/outbox.ts'
import { ChatIdentities } from '../../src/identity/ChatIdentities.ts'
import { DeliveryError } from '../../src/notify/DeliveryError.ts'
import { enqueueNotification } from '../../src/notify/enqueueNotification.ts'
import { Notifier, type Destination } from '../../src/notify/Notifier.ts'
import { setQuietWindow } from '../../src/notify/quietHours.ts'
import { INTERRUPTED_SEND } from '../../src/notify/Notifier.ts'

// Every way a send can fail, and what the notifier then does: exact rows
// (status, attempts, next attempt, error), which later messages still go out,
// and the metrics an operator watches.

const NOW = Date.UTC(2026, 10, 26, 12)

/** A destination failing each send with the next queued error for that chat, if any. */
function scriptedDestination() {
  const sent: string[] = []
  const failures = new Map<string, Error[]>()
  const destination: Destination & { sent: string[]; fail(to: string, ...errors: Error[]): void } = {
    sent,
    fail: (to, ...errors) => failures.set(to, [...(failures.get(to) ?? []), ...errors]),
    async sendPrivate(to: string, reply: Reply) {
      const error = failures.get(to)?.shift()
      if (error) throw error
      sent.push(`${to}:${reply.text}`)
    },
    async sendToChannel(to: string, reply: Reply) {
      const error = failures.get(`#${to}`)?.shift()
      if (error) throw error
      sent.push(`#${to}:${reply.text}`)
    },
  }
  return destination
}

function setup({ maxAttempts, random = () => 0, platforms = ['telegram'] }: { maxAttempts?: number; random?: () => number; platforms?: string[] } = {}) {
  const { db, sqlite } = openDatabase(':memory:')
  const clock = { now: NOW }
  const telegram = scriptedDestination()
  const registry = new Registry()
  const deps = {
    db,
    logger: pino({ level: 'silent' }),
    clock: () => clock.now,
    secrets: new SecretBox(randomBytes(32)),
    destinations: new Map(platforms.map((p) => [p, telegram])),
    maxAttempts,
    random,
  }
  const notifier = new Notifier({ ...deps, registry })
  /** A second notifier on the same database, as another process would run. */
  const another = () => new Notifier(deps)
  const identities = new ChatIdentities(db)
  const user = (id: string, platform: 'telegram' | 'discord' = 'telegram') => identities.ensure({ platform, id, name: id }, clock.now).accountId
  const notify = (accountId: number | null, key: string, text: string, topic: 'jobs' | 'governance' | 'security' | 'payments' = 'jobs') =>
    enqueueNotification(db, { dedupeKey: key, accountId, topic, reply: { text }, now: clock.now })
  const deliveries = () =>
    sqlite.prepare('select destination, status, attempts, next_attempt_at as nextAttemptAt, last_error as lastError from deliveries order by id').all() as {
      destination: string
      status: string
      attempts: number
      nextAttemptAt: number
      lastError: string | null
    }[]
  const unreachableAt = (id: string) => (sqlite.prepare('select dm_unreachable_at as at from chat_identities where platform_user_id = ?').get(id) as { at: number | null }).at
  return { db, sqlite, clock, telegram, registry, notifier, another, user, notify, deliveries, unreachableAt }
}

describe('Notifier: failures', () => {
  test('rejected: that message is given up, the chat is kept, and the next message to it still goes out in the same pass', async () => {
    const { telegram, notifier, user, notify, deliveries, unreachableAt } = setup()
    const alice = user('1')
    notify(alice, 'a', 'first')
    notify(alice, 'b', 'second')
    telegram.fail('1', new DeliveryError('rejected', 'Bad Request: message is too long'))
    // run() counts what the platform accepted: the sent one, not the rejected one.
    expect(await notifier.run()).toBe(1)
    expect(telegram.sent).toEqual(['1:second'])
    expect(deliveries()).toEqual([
      { destination: '1', status: 'failed', attempts: 1, nextAttemptAt: NOW, lastError: 'Bad Request: message is too long' },
      { destination: '1', status: 'sent', attempts: 1, nextAttemptAt: NOW, lastError: null },
    ])
    expect(unreachableAt('1')).toBeNull()
  })

  test('unreachable: given up, the identity marked unreachable, and its later messages wait (and are not fanned out again)', async () => {
    const { clock, telegram, notifier, user, notify, deliveries, unreachableAt } = setup()
    const alice = user('1')
    notify(alice, 'a', 'first')
    notify(alice, 'b', 'second')
    telegram.fail('1', new DeliveryError('unreachable', 'Forbidden: bot was blocked by the user'))
    expect(await notifier.run()).toBe(0)
    expect(telegram.sent).toEqual([])
    expect(deliveries().map((d) => [d.status, d.attempts, d.lastError])).toEqual([
      ['failed', 1, 'Forbidden: bot was blocked by the user'],
      ['pending', 0, null],
    ])
    expect(unreachableAt('1')).toBe(NOW)
    clock.now += 1000
    notify(alice, 'c', 'third')
    await notifier.run()
    // The identity is skipped for new notifications; the one already queued goes out on the next pass.
    expect(telegram.sent).toEqual(['1:second'])
    expect(deliveries()).toHaveLength(2)
  })

  test('unreachable on a channel marks no user, even one whose id equals the channel id', async () => {
    const { db, telegram, notifier, user, notify, unreachableAt } = setup()
    user('-100')
    db.insert(announcementChannels).values({ platform: 'telegram', channelId: '-100', addedAt: NOW }).run()
    notify(null, 'n', 'announcement', 'governance')
    telegram.fail('#-100', new DeliveryError('unreachable', 'Forbidden: bot was kicked'))
    await notifier.run()
    expect(unreachableAt('-100')).toBeNull()
  })

  test('transient: retried with exponential backoff (×0.8 to ×1.2 jitter), given up at maxAttempts exactly', async () => {
    const { clock, telegram, notifier, user, notify, deliveries } = setup({ maxAttempts: 3, random: () => 0 })
    const alice = user('1')
    notify(alice, 'a', 'hello')
    telegram.fail('1', new DeliveryError('transient', 'ECONNRESET'), new Error('socket hang up'), new DeliveryError('transient', 'x'.repeat(400)))
    await notifier.run()
    // attempt 1 failed: 1 s × 0.8
    expect(deliveries()).toEqual([{ destination: '1', status: 'pending', attempts: 1, nextAttemptAt: NOW + 800, lastError: 'ECONNRESET' }])
    clock.now = NOW + 799
    await notifier.run()
    expect(deliveries()[0]!.attempts).toBe(1)
    clock.now = NOW + 800
    await notifier.run()
    // attempt 2 (a plain Error counts as transient): 2 s × 0.8
    expect(deliveries()).toEqual([{ destination: '1', status: 'pending', attempts: 2, nextAttemptAt: NOW + 800 + 1600, lastError: 'socket hang up' }])
    clock.now = NOW + 2400
    await notifier.run()
    // attempt 3 = maxAttempts: given up, the error cut to 300 characters
    expect(deliveries()).toEqual([{ destination: '1', status: 'failed', attempts: 3, nextAttemptAt: NOW + 2400, lastError: 'x'.repeat(300) }])
    expect(telegram.sent).toEqual([])
  })

  test('jitter scales the delay: random 1 gives ×1.2', async () => {
    const { telegram, notifier, user, notify, deliveries } = setup({ random: () => 1 })
    notify(user('1'), 'a', 'hello')
    telegram.fail('1', new DeliveryError('transient', `502 ${'y'.repeat(400)}`))
    await notifier.run()
    expect(deliveries()[0]!).toMatchObject({ status: 'pending', nextAttemptAt: NOW + 1200, lastError: `502 ${'y'.repeat(296)}` })
  })

  test('rate limited: waits exactly what the platform asked, and the attempt is not counted', async () => {
    const { telegram, notifier, user, notify, deliveries } = setup()
    notify(user('1'), 'a', 'hello')
    telegram.fail('1', new DeliveryError('rate_limited', 'Too Many Requests: retry after 7', 7000))
    await notifier.run()
    expect(deliveries()).toEqual([{ destination: '1', status: 'pending', attempts: 0, nextAttemptAt: NOW + 7000, lastError: 'Too Many Requests: retry after 7' }])
  })

  test('rate limited without a retry time backs off, still uncounted; a transient error with a retry time still backs off', async () => {
    const { telegram, notifier, user, notify, deliveries } = setup({ random: () => 0 })
    notify(user('1'), 'a', 'one')
    notify(user('2'), 'b', 'two')
    telegram.fail('1', new DeliveryError('rate_limited', '429'))
    telegram.fail('2', new DeliveryError('transient', '503', 60_000))
    await notifier.run()
    expect(deliveries().map((d) => [d.destination, d.attempts, d.nextAttemptAt])).toEqual([
      ['1', 0, NOW + 800],
      ['2', 1, NOW + 800],
    ])
  })

  test('a message mid-send is marked sending, so a crash leaves it to recover() (resent once), not lost or pending twice', async () => {
    const { telegram, notifier, another, user, notify, deliveries } = setup()
    notify(user('1'), 'a', 'hello')
    let release!: () => void
    const hung = new Promise<void>((resolve) => (release = resolve))
    const send = telegram.sendPrivate
    telegram.sendPrivate = async (to, reply) => {
      await hung
      return send(to, reply)
    }
    const pass = notifier.run()
    expect(deliveries()[0]!.status).toBe('sending')
    // Another pass meanwhile (another process) does not send it again.
    expect(await another().run()).toBe(0)
    expect(notifier.recover()).toBe(1)
    expect(deliveries()[0]).toMatchObject({ status: 'pending', attempts: 1, lastError: INTERRUPTED_SEND })
    release()
    await pass
    expect(telegram.sent).toEqual(['1:hello'])
  })

  test('a platform that is not connected: its deliveries are skipped with a reason, and the rest go out', async () => {
    const { telegram, notifier, user, notify, deliveries } = setup()
    const onDiscord = user('d1', 'discord')
    const onTelegram = user('1')
    notify(onDiscord, 'a', 'one')
    notify(onDiscord, 'b', 'two')
    notify(onTelegram, 'c', 'three')
    await notifier.run()
    expect(telegram.sent).toEqual(['1:three'])
    expect(deliveries().map((d) => [d.destination, d.status, d.lastError])).toEqual([
      ['d1', 'skipped', 'platform not connected'],
      ['d1', 'skipped', 'platform not connected'],
      ['1', 'sent', null],
    ])
  })

  test('quiet hours hold governance and payments messages, never security or job notices, never announcements', async () => {
    const { db, clock, telegram, notifier, user, notify } = setup()
    const alice = user('1')
    setQuietWindow(db, alice, { startHour: 22, endHour: 7 })
    db.insert(announcementChannels).values({ platform: 'telegram', channelId: '-100', addedAt: NOW }).run()
    clock.now = Date.UTC(2026, 10, 26, 23, 30)
    notify(alice, 'g', 'vote closes soon', 'governance')
    notify(alice, 'p', 'payout confirmed', 'payments')
    notify(alice, 's', 'wallet linked', 'security')
    notify(alice, 'j', 'rental started', 'jobs')
    notify(null, 'n', 'new proposal', 'governance')
    expect(await notifier.run()).toBe(3)
    expect(telegram.sent.sort()).toEqual(['#-100:new proposal', '1:rental started', '1:wallet linked'])
  })

  test('metrics: sends and failures by platform and reason, latency from the event, queue depth', async () => {
    const { clock, telegram, registry, notifier, user, notify } = setup({ random: () => 0 })
    notify(user('1'), 'a', 'hello')
    notify(user('2'), 'b', 'later')
    // A plain Error (not a DeliveryError) is counted as transient.
    telegram.fail('2', new Error('503'))
    clock.now = NOW + 2500
    expect(await notifier.run()).toBe(1)
    const metrics = Object.fromEntries((await registry.getMetricsAsJSON()).map((m) => [m.name, m.values]))
    expect(metrics['gridshare_notifications_sent_total']).toEqual([{ value: 1, labels: { platform: 'telegram' } }])
    expect(metrics['gridshare_notifications_failed_total']).toEqual([{ value: 1, labels: { platform: 'telegram', reason: 'transient' } }])
    expect(metrics['gridshare_notification_queue_depth']).toEqual([{ value: 1, labels: {} }])
    const latency = metrics['gridshare_notification_latency_seconds']!
    // One observation of 2.5 s: in the 5 s bucket, not in the 2 s one.
    expect(latency.find((v) => v.labels.le === 2)).toMatchObject({ value: 0, labels: { platform: 'telegram' } })
    expect(latency.find((v) => v.labels.le === 5)).toMatchObject({ value: 1, labels: { platform: 'telegram' } })
    expect(latency.find((v) => (v as { metricName?: string }).metricName === 'gridshare_notification_latency_seconds_sum')).toMatchObject({ value: 2.5 })
    expect(latency.filter((v) => v.labels.le !== undefined).map((v) => v.labels.le)).toEqual([0.1, 0.5, 1, 2, 5, 10, 30, 60, 300, 1800, '+Inf'])
  })
})
