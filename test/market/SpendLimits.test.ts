import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, expect, test } from 'vitest'
import { AppError } from '../../src/errors/AppError.ts'
import type { QuotePayload } from '../../src/market/quoteRental.ts'
import { committedThisMonth } from '../../src/market/SpendLimits.ts'
import { TOKEN } from '../support/marketHarness.ts'
import { raceWorkers } from '../support/raceWorkers.ts'
import { bob, setUpMoneyComfort } from './moneyComfortKit.ts'

// The harness prices an H100 at 2 GRID per GPU-hour; the month is November 2026 (UTC).
const WAIT = 'raise it with /limits spend <amount>, or wait until 2026-12-01 00:00 UTC.'

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

function rentalCount(t: ReturnType<typeof setUpMoneyComfort>, accountId: number): number {
  return (t.h.sqlite.prepare('select count(*) as n from rentals where account_id = ?').get(accountId) as { n: number }).n
}

test('a confirm that exactly reaches the limit is allowed; one base unit less of limit refuses it and changes nothing', async () => {
  const t = setUpMoneyComfort()
  const a = t.h.renter('alice', 100)
  const b = t.h.renter('bob', 100)
  expect((await t.say('/limits spend 10')).text).toBe('Your monthly spend limit is now 10 GRID; 0 GRID is committed this month (UTC).')
  expect((await t.say('/limits spend 9.999999999999999999', bob)).text).toBe('Your monthly spend limit is now ≈ 10 GRID; 0 GRID is committed this month (UTC).')

  const rental = await t.rentRunning('/rent H100-80GB 5')
  expect(t.h.ledger.balancesOf(a)).toEqual({ available: 90n * TOKEN, escrow: 10n * TOKEN })

  const quote = await t.say('/rent H100-80GB 5', bob)
  expect(await t.press(t.actionOf(quote, 'Confirm'), bob)).toBe(`This would commit 10 GRID, but your monthly spend limit is ≈ 10 GRID and 0 GRID is already committed this month (UTC); ${WAIT}`)
  expect(t.h.ledger.balancesOf(b)).toEqual({ available: 100n * TOKEN, escrow: 0n })
  expect(rentalCount(t, b)).toBe(0)

  // At the cap, even the smallest extension is refused, and the rental keeps its hours.
  expect((await t.say(`/extend ${rental.id} 1`)).text).toBe(`This would commit 2 GRID, but your monthly spend limit is 10 GRID and 10 GRID is already committed this month (UTC); ${WAIT}`)
  expect(t.rentalRow(rental.id)).toMatchObject({ hours: 5, escrowed: (10n * TOKEN).toString() })
  expect(t.h.ledger.balancesOf(a)).toEqual({ available: 90n * TOKEN, escrow: 10n * TOKEN })
  expect(t.h.invariants()).toEqual([])
})

test('a quote shows what is left of the limit, and warns when the quote is over it', async () => {
  const t = setUpMoneyComfort()
  t.h.renter('alice', 100)
  expect((await t.say('/rent H100-80GB 5')).fields?.map((f) => f.name)).not.toContain('Spend limit')
  await t.say('/limits spend 10')
  expect((await t.say('/rent H100-80GB 5')).fields).toContainEqual({ name: 'Spend limit', value: '10 GRID of 10 GRID left this month (UTC)' })
  await t.rentRunning('/rent H100-80GB 2')
  expect((await t.say('/rent H100-80GB 4')).fields).toContainEqual({ name: 'Spend limit', value: '6 GRID of 10 GRID left this month (UTC); this quote is over it, so Confirm would be refused' })
})

test('extensions count: an extension that fits is taken, one that would pass the limit is refused', async () => {
  const t = setUpMoneyComfort()
  const a = t.h.renter('alice', 100)
  await t.say('/limits spend 10')
  const rental = await t.rentRunning('/rent H100-80GB 4')
  expect((await t.say(`/extend ${rental.id} 2`)).text).toBe(`This would commit 4 GRID, but your monthly spend limit is 10 GRID and 8 GRID is already committed this month (UTC); ${WAIT}`)
  expect((await t.say(`/extend ${rental.id} 1`)).text).toBe(`Extended ${rental.id} by 1 h; it now ends 2026-11-26 17:00 UTC. 10 GRID is in escrow for it.`)
  expect(t.h.ledger.balancesOf(a)).toEqual({ available: 90n * TOKEN, escrow: 10n * TOKEN })
  expect(committedThisMonth(t.h.db, a, t.h.clock.now)).toBe(10n * TOKEN)
})

test('refunds of unused time count back: after stopping early, the refunded amount can be committed again', async () => {
  const t = setUpMoneyComfort()
  const a = t.h.renter('alice', 100)
  await t.say('/limits spend 10')
  const rental = await t.rentRunning('/rent H100-80GB 5')
  t.h.clock.now += 3600_000
  await t.say(`/stop ${rental.id}`)
  const refunded = BigInt(t.rentalRow(rental.id).refunded as string)
  expect(refunded).toBe(8n * TOKEN) // one of five hours served
  const shown = await t.say('/limits')
  expect(shown.fields).toEqual([
    { name: 'Monthly spend limit', value: '10 GRID' },
    { name: 'Committed this month (UTC)', value: '2 GRID; 8 GRID left until 2026-12-01 00:00 UTC' },
  ])
  await t.rentRunning('/rent H100-80GB 4')
  expect(committedThisMonth(t.h.db, a, t.h.clock.now)).toBe(10n * TOKEN)
  const over = await t.say('/rent H100-80GB 1')
  expect(await t.press(t.actionOf(over, 'Confirm'))).toBe(`This would commit 2 GRID, but your monthly spend limit is 10 GRID and 10 GRID is already committed this month (UTC); ${WAIT}`)
})

test('a failover replacement carries money already committed: the limit does not stop it, and it counts', async () => {
  const t = setUpMoneyComfort()
  const a = t.h.renter('alice', 100)
  await t.say('/limits spend 10')
  const rental = await t.rentRunning('/rent H100-80GB 5')
  const second = t.h.provider(2)
  t.h.clock.now += 30 * 60_000
  t.h.registry.heartbeat(t.provider.address, t.provider.nodeId, {})
  t.h.registry.heartbeat(second.address, second.nodeId, {})
  t.h.clock.now += 100_000
  t.h.registry.heartbeat(second.address, second.nodeId, {})
  expect(t.h.registry.markOffline()).toEqual([t.provider.nodeId])
  t.h.rentals.handleNodeOffline(t.provider.nodeId)
  // 30 minutes served (1 GRID), 9 GRID refunded; the 4.5 hours left become a 5-hour replacement (10 GRID).
  expect(t.rentalRow(rental.id)).toMatchObject({ status: 'failed', charged: (1n * TOKEN).toString(), refunded: (9n * TOKEN).toString() })
  const [replacement] = t.h.rentals.list(a, { activeOnly: true })
  expect(replacement).toMatchObject({ replacesId: rental.id, nodeId: second.nodeId, hours: 5, escrowed: (10n * TOKEN).toString() })
  expect(committedThisMonth(t.h.db, a, t.h.clock.now)).toBe(11n * TOKEN)
  const over = await t.say('/rent H100-80GB 1')
  expect(await t.press(t.actionOf(over, 'Confirm'))).toBe(`This would commit 2 GRID, but your monthly spend limit is 10 GRID and 11 GRID is already committed this month (UTC); ${WAIT}`)
})

test('the month is the UTC calendar month: on the 1st, last month’s commitments no longer count', async () => {
  const t = setUpMoneyComfort()
  const a = t.h.renter('alice', 100)
  await t.say('/limits spend 10')
  await t.rentRunning('/rent H100-80GB 5')
  t.h.clock.now = Date.UTC(2026, 10, 30, 23, 59, 59, 999)
  expect(committedThisMonth(t.h.db, a, t.h.clock.now)).toBe(10n * TOKEN)
  t.h.clock.now = Date.UTC(2026, 11, 1)
  expect(committedThisMonth(t.h.db, a, t.h.clock.now)).toBe(0n)
  const rental = await t.rentRunning('/rent H100-80GB 5')
  expect(t.rentalRow(rental.id)).toMatchObject({ status: 'running' })
})

test('/limits with no limit, setting, lowering, raising and removing it; only loosening is announced as a security change', async () => {
  const t = setUpMoneyComfort()
  const a = t.h.renter('alice', 100)
  expect((await t.say('/limits')).text).toBe('You have no monthly spend limit; 0 GRID is committed to rentals this month (UTC). Set one with /limits spend <amount>, e.g. /limits spend 500.')
  expect((await t.say('/limits spend off')).text).toBe('You had no monthly spend limit; nothing changed.')
  expect((await t.say('/limits spend 50')).text).toBe('Your monthly spend limit is now 50 GRID; 0 GRID is committed this month (UTC).')
  expect((await t.say('/limits spend 20')).text).toBe('Your monthly spend limit is now 20 GRID; 0 GRID is committed this month (UTC).')
  expect(t.outbox('security:')).toEqual([])

  const waits = 'Loosening the limit waits out the security hold, so that someone using your chat account cannot spend past it at once; every chat identity of your account was told, with a Freeze button in case it was not you.'
  expect((await t.say('/limits spend 30')).text).toBe(`Your monthly spend limit stays 20 GRID until 2026-11-27 12:00 UTC, then becomes 30 GRID. ${waits}`)
  t.h.clock.now += 24 * 3600_000
  expect((await t.say('/limits spend off')).text).toBe(`Your monthly spend limit will be removed at 2026-11-28 12:00 UTC. ${waits}`)
  const notices = t.outbox('security:')
  const warning = 'If this was not you, press Freeze my account now: it stops renting, extending, withdrawals and bot signing, and cancels this change.'
  expect(notices.map((n) => [n.accountId, n.topic, n.reply.title, n.reply.text, n.reply.buttons?.map((b) => b.label)])).toEqual([
    [a, 'security', 'Spend limit loosening', `Your monthly spend limit will be raised from 20 GRID to 30 GRID at 2026-11-27 12:00 UTC. ${warning}`, ['Freeze my account']],
    [a, 'security', 'Spend limit loosening', `Your monthly spend limit of 30 GRID will be removed at 2026-11-28 12:00 UTC. ${warning}`, ['Freeze my account']],
  ])
  // The Freeze button is the account's, whichever identity reads it.
  const freeze = t.h.sqlite.prepare('select name, owner_platform as platform, owner_user_id as owner from actions where id = ?').get((notices[0]!.reply.buttons![0] as { action: string }).action)
  expect(freeze).toEqual({ name: 'security.freeze', platform: 'account', owner: String(a) })
  expect(t.h.sqlite.prepare('select kind from security_events where account_id = ?').all(a)).toEqual([{ kind: 'spend_limit_loosened' }, { kind: 'spend_limit_loosened' }])
  t.h.clock.now += 24 * 3600_000
  expect(t.spendLimits.status(a).cap).toBeUndefined()
})

test.each([
  ['/limits spend', 'The amount is missing. Give the monthly cap as an amount, like /limits spend 500, or /limits spend off to remove it.'],
  ['/limits spend ten', 'The monthly spend limit "ten" is not a number; expected a positive amount of GRID such as 12.5.'],
  ['/limits spend 1.0000000000000000001', 'The monthly spend limit 1.0000000000000000001 has more than 18 decimals; GRID has 18.'],
  ['/limits spend -5', 'The monthly spend limit "-5" is not a number; expected a positive amount of GRID such as 12.5.'],
])('error: %s', async (text, answer) => {
  const t = setUpMoneyComfort()
  t.h.renter('alice', 100)
  await t.say('/limits spend 10')
  const reply = await t.say(text)
  expect(reply).toMatchObject({ text: answer, error: true })
  expect(t.h.sqlite.prepare('select monthly_cap as cap from spend_limits').all()).toEqual([{ cap: (10n * TOKEN).toString() }])
})

test('error: an unknown limit names the one there is', async () => {
  const t = setUpMoneyComfort()
  const reply = await t.say('/limits withdraw 5')
  expect(reply.error).toBe(true)
  expect(reply.text).toMatchInlineSnapshot(`
    "Limit should be one of spend, not "withdraw".
    Usage: /limits [limit] [amount]"
  `)
})

test('attack: one account confirming from 4 processes at once cannot pass its limit together', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gridshare-limit-'))
  dirs.push(dir)
  const path = join(dir, 'market.db')
  const t = setUpMoneyComfort({ path })
  for (let i = 2; i <= 4; i++) t.h.provider(i)
  const a = t.h.renter('alice', 100)
  await t.say('/limits spend 10')
  // Eight 2-hour rentals (4 GRID each) on 8 free GPUs; a 10 GRID limit allows two.
  const nodes = t.h.sqlite.prepare('select id from nodes').all() as { id: string }[]
  const quote = t.h.rentals.quote({ accountId: a, model: 'H100-80GB', hours: 2, gpuCount: 1 })
  const jobs = nodes.flatMap(({ id }) => [0, 1].map(() => ({ accountId: a, quote: { ...quote, nodeId: id, pricePerGpuHour: quote.pricePerGpuHour.toString() } as QuotePayload })))
  const confirmHere = () =>
    jobs.slice(8).map(({ accountId, quote }) => {
      try {
        return `ok:${t.h.rentals.confirm({ accountId, quote }).id}`
      } catch (error) {
        return error instanceof AppError ? `refused:${error.code}` : `crashed:${String(error)}`
      }
    })
  const results = await raceWorkers<{ outcomes: string[] }, string[]>(new URL('./confirmRaceWorker.ts', import.meta.url), 4, (index) => ({ path, now: t.h.clock.now, jobs: jobs.slice(index * 2, index * 2 + 2) }), confirmHere)
  const outcomes = [...results.flatMap((r) => r.outcomes), ...results.alongside!]
  expect(outcomes).toHaveLength(8)
  expect(outcomes.filter((o) => o.startsWith('ok')).length).toBe(2)
  expect(outcomes.filter((o) => o.includes('SPEND_LIMIT')).length).toBe(6)
  expect(t.h.ledger.balancesOf(a)).toEqual({ available: 92n * TOKEN, escrow: 8n * TOKEN })
  expect(rentalCount(t, a)).toBe(2)
})
