import { describe, expect, test } from 'vitest'
import { pino } from 'pino'
import type { Logger } from '../../src/app/logger.ts'
import type { Reply } from '../../src/command/reply.ts'
import type { Quote, QuotePayload } from '../../src/market/quoteRental.ts'
import { Rentals } from '../../src/market/Rentals.ts'
import { SEALED_PREFIX } from '../../src/notify/enqueueNotification.ts'
import { createMarketHarness, TOKEN } from '../support/marketHarness.ts'
import { capturedLogger } from '../support/payoutFixtures.ts'

// Claim, the agent's running/finished reports, housekeeping and end(): the
// branches mutation testing found unpinned (Rentals.ts lines 171–349).

type Harness = ReturnType<typeof createMarketHarness>

const payload = (quote: Quote): QuotePayload => ({ ...quote, pricePerGpuHour: quote.pricePerGpuHour.toString() })

/** The harness's market with a Rentals of our own, so onCapacity and the logger can be watched. */
function setup({ logger = pino({ level: 'silent' }) as Logger }: { logger?: Logger } = {}) {
  const h = createMarketHarness()
  const capacity: string[] = []
  const rentals = new Rentals({
    db: h.db,
    ledger: h.ledger,
    units: h.units,
    params: h.params,
    secrets: h.secrets,
    clock: () => h.clock.now,
    logger,
    claimTimeoutMs: 3 * 60_000,
    slashing: h.slashing,
    onCapacity: (nodeId) => capacity.push(nodeId),
  })
  const provider = h.provider(1)
  const alice = h.renter('alice', 20)
  /** 1× H100 at 2 GRID/h: escrows 2 GRID per hour. */
  const rent = (hours = 2) => rentals.confirm({ accountId: alice, quote: payload(rentals.quote({ accountId: alice, model: 'H100-80GB', hours, gpuCount: 1 })) })
  return { h, rentals, provider, alice, rent, capacity }
}

interface Row {
  dedupeKey: string
  accountId: number | null
  topic: string
  reply: Reply
}

/** Every notification, in order, with sealed replies opened. */
function notificationsOf(h: Harness): Row[] {
  const rows = h.sqlite.prepare('select dedupe_key as dedupeKey, account_id as accountId, topic, reply from notifications order by id').all() as (Omit<Row, 'reply'> & { reply: string })[]
  return rows.map((r) => ({
    ...r,
    reply: JSON.parse(r.reply.startsWith(SEALED_PREFIX) ? h.secrets.open(r.reply.slice(SEALED_PREFIX.length)) : r.reply) as Reply,
  }))
}

const statusOf = (h: Harness, id: string) => (h.sqlite.prepare('select status from rentals where id = ?').get(id) as { status: string }).status

/** The entries of one ledger transaction, by idempotency key. */
const entriesOf = (h: Harness, key: string) =>
  h.sqlite
    .prepare('select e.key, e.amount from ledger_entries e join ledger_transactions t on t.id = e.transaction_id where t.idempotency_key = ? order by e.id')
    .all(key) as { key: string; amount: string }[]

describe('claim', () => {
  test('a pending rental becomes provisioning; claiming again returns it unchanged', () => {
    const { h, rentals, provider, rent } = setup()
    const rental = rent()
    expect(rentals.claim(provider.address, rental.id)).toMatchObject({ id: rental.id, status: 'provisioning' })
    expect(statusOf(h, rental.id)).toBe('provisioning')
    expect(rentals.claim(provider.address, rental.id)).toMatchObject({ id: rental.id, status: 'provisioning' })
    expect(statusOf(h, rental.id)).toBe('provisioning')
  })

  test('claiming a running rental returns it running', () => {
    const { h, rentals, provider, rent } = setup()
    const rental = rent()
    rentals.reportRunning(provider.address, rental.id, { host: 'a' })
    expect(rentals.claim(provider.address, rental.id)).toMatchObject({ id: rental.id, status: 'running' })
    expect(statusOf(h, rental.id)).toBe('running')
  })

  test('error: an ended rental cannot be claimed', () => {
    const { h, rentals, provider, alice, rent } = setup()
    const rental = rent()
    rentals.stop({ accountId: alice, id: rental.id })
    expect(() => rentals.claim(provider.address, rental.id)).toThrow(expect.objectContaining({ code: 'CONFLICT', userMessage: `Rental ${rental.id} is stopped; it cannot be claimed.` }))
    expect(statusOf(h, rental.id)).toBe('stopped')
  })
})

describe('reportRunning', () => {
  test('a first report from pending starts the clock and tells the renter once', () => {
    const { h, rentals, provider, alice, rent } = setup()
    const rental = rent()
    const started = rentals.reportRunning(provider.address, rental.id, { host: 'a' })
    expect(started).toMatchObject({ status: 'running', startedAt: h.clock.now, endsAt: h.clock.now + 2 * 3600_000 })
    expect(notificationsOf(h).map((n) => [n.dedupeKey, n.accountId, n.topic, n.reply.title])).toEqual([[`rental.running:${rental.id}`, alice, 'jobs', `Rental ${rental.id} is running`]])
  })

  test('a first report from provisioning starts it too', () => {
    const { h, rentals, provider, rent } = setup()
    const rental = rent()
    rentals.claim(provider.address, rental.id)
    expect(rentals.reportRunning(provider.address, rental.id, { host: 'a' })).toMatchObject({ status: 'running', startedAt: h.clock.now })
  })

  test('a relaunch with new connection details keeps the times and sends them as a new message', () => {
    const { h, rentals, provider, alice, rent } = setup()
    const rental = rent()
    const first = rentals.reportRunning(provider.address, rental.id, { host: 'a' })
    h.clock.now += 60_000
    const relaunched = rentals.reportRunning(provider.address, rental.id, { host: 'b' })
    expect(relaunched).toMatchObject({ status: 'running', startedAt: first.startedAt, endsAt: first.endsAt })
    expect(rentals.connectionDetails(relaunched)).toEqual({ host: 'b' })
    h.clock.now += 60_000
    rentals.reportRunning(provider.address, rental.id, { host: 'c' })
    expect(notificationsOf(h).map((n) => [n.dedupeKey, n.accountId, n.topic, n.reply.title])).toEqual([
      [`rental.running:${rental.id}`, alice, 'jobs', `Rental ${rental.id} is running`],
      [`rental.running:${rental.id}:${first.startedAt! + 60_000}`, alice, 'jobs', `Rental ${rental.id} restarted: new connection details`],
      [`rental.running:${rental.id}:${first.startedAt! + 120_000}`, alice, 'jobs', `Rental ${rental.id} restarted: new connection details`],
    ])
  })

  test('the same connection reported again changes nothing and sends nothing', () => {
    const { h, rentals, provider, rent } = setup()
    const rental = rent()
    const first = rentals.reportRunning(provider.address, rental.id, { host: 'a' })
    h.clock.now += 60_000
    expect(rentals.reportRunning(provider.address, rental.id, { host: 'a' })).toEqual(first)
    expect(h.sqlite.prepare('select connection_sealed as c from rentals').get()).toEqual({ c: first.connectionSealed })
    expect(notificationsOf(h).map((n) => n.dedupeKey)).toEqual([`rental.running:${rental.id}`])
  })

  test('error: an ended rental cannot be started again, even with its old connection', () => {
    const { h, rentals, provider, alice, rent } = setup()
    const rental = rent()
    rentals.reportRunning(provider.address, rental.id, { host: 'a' })
    rentals.stop({ accountId: alice, id: rental.id })
    const error = expect.objectContaining({ code: 'CONFLICT', userMessage: `Rental ${rental.id} is stopped; it cannot be started.` })
    expect(() => rentals.reportRunning(provider.address, rental.id, { host: 'a' })).toThrow(error)
    expect(() => rentals.reportRunning(provider.address, rental.id, { host: 'b' })).toThrow(error)
    expect(statusOf(h, rental.id)).toBe('stopped')
  })
})

describe('reportFinished', () => {
  test('completed early bills up to now, with no reason', () => {
    const { h, rentals, provider, alice, rent } = setup()
    const rental = rent(2)
    rentals.reportRunning(provider.address, rental.id, { host: 'a' })
    h.clock.now += 30 * 60_000
    const ended = rentals.reportFinished(provider.address, rental.id, 'completed', 'all done')
    expect(ended).toMatchObject({ status: 'completed', failureReason: null, charged: TOKEN.toString(), refunded: (3n * TOKEN).toString() })
    expect(notificationsOf(h).find((n) => n.dedupeKey === `rental.ended:${rental.id}`)).toEqual({
      dedupeKey: `rental.ended:${rental.id}`,
      accountId: alice,
      topic: 'jobs',
      reply: { title: `Rental ${rental.id} ended`, text: '1× H100-80GB: 30 min billed, 1 GRID charged, 3 GRID refunded.' },
    })
  })

  test('completed reported after the end time bills the paid hours, no more', () => {
    const { h, rentals, provider, rent } = setup()
    const rental = rent(2)
    rentals.reportRunning(provider.address, rental.id, { host: 'a' })
    h.clock.now += 3 * 3600_000
    expect(rentals.reportFinished(provider.address, rental.id, 'completed')).toMatchObject({ status: 'completed', charged: (4n * TOKEN).toString(), refunded: '0' })
    expect(notificationsOf(h).find((n) => n.dedupeKey === `rental.ended:${rental.id}`)?.reply.text).toBe('1× H100-80GB: 120 min billed, 4 GRID charged, 0 GRID refunded.')
  })

  test('failed without a reason says the workload failed', () => {
    const { h, rentals, provider, rent } = setup()
    const rental = rent(2)
    rentals.reportRunning(provider.address, rental.id, { host: 'a' })
    h.clock.now += 30 * 60_000
    expect(rentals.reportFinished(provider.address, rental.id, 'failed')).toMatchObject({ status: 'failed', failureReason: 'the workload failed', charged: TOKEN.toString() })
    expect(notificationsOf(h).find((n) => n.dedupeKey === `rental.ended:${rental.id}`)?.reply).toEqual({
      title: `Rental ${rental.id} failed`,
      text: '1× H100-80GB: 30 min billed, 1 GRID charged, 3 GRID refunded. Reason: the workload failed.',
    })
  })

  test("failed with the agent's reason keeps it, trailing periods dropped once in the message", () => {
    const { h, rentals, provider, rent } = setup()
    const rental = rent(2)
    rentals.reportRunning(provider.address, rental.id, { host: 'a' })
    h.clock.now += 30 * 60_000
    expect(rentals.reportFinished(provider.address, rental.id, 'failed', 'CUDA 12.4 ran out of memory...')).toMatchObject({ failureReason: 'CUDA 12.4 ran out of memory...' })
    expect(notificationsOf(h).find((n) => n.dedupeKey === `rental.ended:${rental.id}`)?.reply.text).toBe(
      '1× H100-80GB: 30 min billed, 1 GRID charged, 3 GRID refunded. Reason: CUDA 12.4 ran out of memory.',
    )
  })

  test('a rental already ended is returned unchanged', () => {
    const { h, rentals, provider, alice, rent, capacity } = setup()
    const rental = rent(2)
    rentals.reportRunning(provider.address, rental.id, { host: 'a' })
    h.clock.now += 30 * 60_000
    const stopped = rentals.stop({ accountId: alice, id: rental.id })
    h.clock.now += 30 * 60_000
    expect(rentals.reportFinished(provider.address, rental.id, 'failed', 'late')).toEqual(stopped)
    expect(capacity).toEqual([provider.nodeId])
  })
})

describe('end', () => {
  test('stopping a rental that never ran refunds it all: two ledger entries, no earnings message', () => {
    const { h, rentals, provider, alice, rent, capacity } = setup()
    const rental = rent(2)
    const stopped = rentals.stop({ accountId: alice, id: rental.id })
    expect(stopped).toMatchObject({ status: 'stopped', charged: '0', fee: '0', refunded: (4n * TOKEN).toString() })
    expect(entriesOf(h, `rental.settle:${rental.id}`)).toEqual([
      { key: `account:${alice}:escrow`, amount: (-4n * TOKEN).toString() },
      { key: `account:${alice}:available`, amount: (4n * TOKEN).toString() },
    ])
    expect(notificationsOf(h)).toEqual([
      {
        dedupeKey: `rental.ended:${rental.id}`,
        accountId: alice,
        topic: 'jobs',
        reply: { title: `Rental ${rental.id} ended`, text: '1× H100-80GB: 0 min billed, 0 GRID charged, 4 GRID refunded.' },
      },
    ])
    expect(capacity).toEqual([provider.nodeId])
  })

  test('a rental that earned something posts four entries and tells the provider', () => {
    const { h, rentals, provider, alice, rent } = setup()
    const rental = rent(2)
    rentals.reportRunning(provider.address, rental.id, { host: 'a' })
    h.clock.now += 30 * 60_000
    rentals.stop({ accountId: alice, id: rental.id })
    const fee = (TOKEN * 500n) / 10_000n
    expect(entriesOf(h, `rental.settle:${rental.id}`)).toEqual([
      { key: `account:${alice}:escrow`, amount: (-4n * TOKEN).toString() },
      { key: `account:${alice}:available`, amount: (3n * TOKEN).toString() },
      { key: `account:${provider.accountId}:earnings`, amount: (TOKEN - fee).toString() },
      { key: 'system:fees', amount: fee.toString() },
    ])
    expect(notificationsOf(h).slice(1)).toEqual([
      {
        dedupeKey: `rental.ended:${rental.id}`,
        accountId: alice,
        topic: 'jobs',
        reply: { title: `Rental ${rental.id} ended`, text: '1× H100-80GB: 30 min billed, 1 GRID charged, 3 GRID refunded.' },
      },
      {
        dedupeKey: `rental.earned:${rental.id}`,
        accountId: provider.accountId,
        topic: 'payments',
        reply: { text: `Rental ${rental.id} on node ${provider.nodeId} earned you 0.95 GRID (after a 0.05 GRID protocol fee), paid with the next epoch's rewards.` },
      },
    ])
    expect(h.invariants()).toEqual([])
  })

  test('ending an ended rental returns undefined and changes nothing', () => {
    const { h, rentals, provider, alice, rent, capacity } = setup()
    const rental = rent(2)
    rentals.reportRunning(provider.address, rental.id, { host: 'a' })
    h.clock.now += 30 * 60_000
    const stopped = rentals.stop({ accountId: alice, id: rental.id })
    const before = notificationsOf(h)
    h.clock.now += 30 * 60_000
    expect(rentals.end(rental.id, 'failed', { servedUntil: h.clock.now, reason: 'again' })).toBeUndefined()
    expect(rentals.get(alice, rental.id)).toEqual(stopped)
    expect(notificationsOf(h)).toEqual(before)
    expect(h.ledger.balancesOf(alice)).toEqual({ available: 19n * TOKEN, escrow: 0n })
    expect(capacity).toEqual([provider.nodeId])
  })

  test('a silent end (failover) sends no ended message; the failover sends its own', () => {
    const { h, rentals, provider, alice, rent, capacity } = setup()
    const rental = rent(2)
    rentals.reportRunning(provider.address, rental.id, { host: 'a' })
    h.clock.now += 30 * 60_000
    h.sqlite.prepare('update nodes set last_heartbeat_at = ? where id = ?').run(h.clock.now, provider.nodeId)
    h.clock.now += 30 * 60_000
    expect(rentals.handleNodeOffline(provider.nodeId)).toBe(1)
    // Billed to the last heartbeat (30 min), not to now (60 min).
    expect(rentals.get(alice, rental.id)).toMatchObject({ status: 'failed', failureReason: 'its node went offline', charged: TOKEN.toString() })
    expect(notificationsOf(h).map((n) => n.dedupeKey)).toEqual([`rental.running:${rental.id}`, `rental.earned:${rental.id}`, `slash.failure:${rental.id}`, `rental.failed:${rental.id}`])
    expect(capacity).toEqual([provider.nodeId])
  })
})

describe('housekeeping', () => {
  test("one rental's failure is logged and the others still expire", () => {
    const { logger, lines } = capturedLogger()
    const { h, rentals, provider, alice, rent } = setup({ logger: logger as Logger })
    const broken = rent(1)
    const fine = rent(1)
    rentals.reportRunning(provider.address, broken.id, { host: 'a' })
    rentals.reportRunning(provider.address, fine.id, { host: 'b' })
    h.sqlite.exec(`create trigger break_one before update of status on rentals when old.id = '${broken.id}' begin select raise(abort, 'disk on fire'); end`)
    h.clock.now += 3600_000
    expect(rentals.expireDue()).toEqual({ expired: 2, replaced: 0 })
    expect([statusOf(h, broken.id), statusOf(h, fine.id)]).toEqual(['running', 'expired'])
    expect(lines.map((l) => [l.level, l.msg, (l as { rental?: string }).rental])).toEqual([[50, 'rental housekeeping failed; retried next tick', broken.id]])
    h.sqlite.exec('drop trigger break_one')
    expect(rentals.expireDue()).toEqual({ expired: 1, replaced: 0 })
    expect(rentals.get(alice, broken.id)).toMatchObject({ status: 'expired', charged: (2n * TOKEN).toString() })
  })
})
