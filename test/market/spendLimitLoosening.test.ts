import { expect, test } from 'vitest'
import { freezeAccount } from '../../src/identity/AccountSecurity.ts'
import { committedThisMonth } from '../../src/market/SpendLimits.ts'
import { TOKEN } from '../support/marketHarness.ts'
import { setUpMoneyComfort } from './moneyComfortKit.ts'

// Someone holding a stolen chat account raises or removes the victim's spend
// limit, or plays refunds against it, to spend past it. The harness prices an
// H100 at 2 GRID per GPU-hour and starts at 2026-11-26 12:00 UTC; the security
// hold (security_hold_hours) is 24 hours.
const HOUR = 3600_000
const HOLD = 24 * HOUR
const refusal = (committed: number) =>
  `This would commit 2 GRID, but your monthly spend limit is 10 GRID and ${committed} GRID is already committed this month (UTC); raise it with /limits spend <amount>, or wait until 2026-12-01 00:00 UTC.`

test('a raise waits out the security hold: the old cap refuses until then, and the owner is told at once', async () => {
  const t = setUpMoneyComfort()
  const a = t.h.renter('alice', 100)
  await t.say('/limits spend 10')
  await t.rentRunning('/rent H100-80GB 5')
  expect((await t.say('/limits spend 30')).text).toBe(
    'Your monthly spend limit stays 10 GRID until 2026-11-27 12:00 UTC, then becomes 30 GRID. Loosening the limit waits out the security hold, so that someone using your chat account cannot spend past it at once; every chat identity of your account was told, with a Freeze button in case it was not you.',
  )
  expect(t.outbox('security:').map((n) => [n.accountId, n.reply.title, n.reply.text])).toEqual([
    [a, 'Spend limit loosening', 'Your monthly spend limit will be raised from 10 GRID to 30 GRID at 2026-11-27 12:00 UTC. If this was not you, press Freeze my account now: it stops renting, extending, withdrawals and bot signing, and cancels this change.'],
  ])
  expect((await t.say('/limits')).fields).toContainEqual({ name: 'Waiting', value: 'raised to 30 GRID at 2026-11-27 12:00 UTC' })

  t.h.clock.now += HOLD - 1
  expect(await t.press(t.actionOf(await t.say('/rent H100-80GB 1'), 'Confirm'))).toBe(refusal(10))
  expect(t.h.ledger.balancesOf(a)).toEqual({ available: 90n * TOKEN, escrow: 10n * TOKEN })
  t.h.clock.now += 1
  await t.rentRunning('/rent H100-80GB 1')
  expect(t.h.ledger.balancesOf(a)).toEqual({ available: 88n * TOKEN, escrow: 12n * TOKEN })
  expect((await t.say('/limits')).fields).toEqual([
    { name: 'Monthly spend limit', value: '30 GRID' },
    { name: 'Committed this month (UTC)', value: '12 GRID; 18 GRID left until 2026-12-01 00:00 UTC' },
  ])
})

test('a removal waits out the hold too; until then the cap holds', async () => {
  const t = setUpMoneyComfort()
  t.h.renter('alice', 100)
  await t.say('/limits spend 10')
  await t.rentRunning('/rent H100-80GB 5')
  expect((await t.say('/limits spend off')).text).toBe(
    'Your monthly spend limit will be removed at 2026-11-27 12:00 UTC. Loosening the limit waits out the security hold, so that someone using your chat account cannot spend past it at once; every chat identity of your account was told, with a Freeze button in case it was not you.',
  )
  expect(t.outbox('security:').map((n) => n.reply.text)).toEqual([
    'Your monthly spend limit of 10 GRID will be removed at 2026-11-27 12:00 UTC. If this was not you, press Freeze my account now: it stops renting, extending, withdrawals and bot signing, and cancels this change.',
  ])
  expect((await t.say('/limits')).fields).toContainEqual({ name: 'Waiting', value: 'removed at 2026-11-27 12:00 UTC' })
  expect(await t.press(t.actionOf(await t.say('/rent H100-80GB 1'), 'Confirm'))).toBe(refusal(10))
  t.h.clock.now += HOLD
  await t.rentRunning('/rent H100-80GB 1')
  expect((await t.say('/limits')).text).toBe('You have no monthly spend limit; 12 GRID is committed to rentals this month (UTC). Set one with /limits spend <amount>, e.g. /limits spend 500.')
})

test('lowering or setting the limit again applies at once and cancels a waiting raise', async () => {
  const t = setUpMoneyComfort()
  t.h.renter('alice', 100)
  await t.say('/limits spend 10')
  await t.say('/limits spend 30')
  expect((await t.say('/limits spend 8')).text).toBe('Your monthly spend limit is now 8 GRID; 0 GRID is committed this month (UTC).')
  t.h.clock.now += HOLD
  expect((await t.say('/limits')).fields).toEqual([
    { name: 'Monthly spend limit', value: '8 GRID' },
    { name: 'Committed this month (UTC)', value: '0 GRID; 8 GRID left until 2026-12-01 00:00 UTC' },
  ])
  expect(t.outbox('security:')).toHaveLength(1)
})

test('a raise asked again restarts the wait: a second request cannot shorten it', async () => {
  const t = setUpMoneyComfort()
  t.h.renter('alice', 100)
  await t.say('/limits spend 10')
  await t.say('/limits spend 20')
  t.h.clock.now += HOLD - HOUR
  expect((await t.say('/limits spend 30')).text).toMatch(/^Your monthly spend limit stays 10 GRID until 2026-11-28 11:00 UTC, then becomes 30 GRID\./)
  t.h.clock.now += HOUR
  expect(t.spendLimits.status(t.h.renter('alice', 0)).cap).toBe(10n * TOKEN)
})

test('a freeze cancels the waiting raise: after the hold the old cap still holds', async () => {
  const t = setUpMoneyComfort()
  const a = t.h.renter('alice', 100)
  await t.say('/limits spend 10')
  await t.say('/limits spend 1000')
  freezeAccount(t.h.db, { accountId: a, now: t.h.clock.now })
  t.h.clock.now += HOLD
  expect(t.spendLimits.status(a)).toMatchObject({ cap: 10n * TOKEN, pending: undefined })
})

test('a refund of last month’s rental buys no headroom this month', async () => {
  const t = setUpMoneyComfort()
  const a = t.h.renter('alice', 100)
  await t.say('/limits spend 10')
  t.h.clock.now = Date.UTC(2026, 10, 30, 22)
  const november = await t.rentRunning('/rent H100-80GB 5')
  t.h.clock.now = Date.UTC(2026, 11, 1, 0, 30)
  await t.rentRunning('/rent H100-80GB 5')
  expect(committedThisMonth(t.h.db, a, t.h.clock.now)).toBe(10n * TOKEN)
  // November's rental served 2.5 of its 5 hours: 5 GRID comes back in December.
  await t.say(`/stop ${november.id}`)
  expect(t.rentalRow(november.id)).toMatchObject({ refunded: (5n * TOKEN).toString() })
  expect(committedThisMonth(t.h.db, a, t.h.clock.now)).toBe(10n * TOKEN)
  expect(await t.press(t.actionOf(await t.say('/rent H100-80GB 1'), 'Confirm'))).toBe(refusal(10).replace('2026-12-01 00:00', '2027-01-01 00:00'))
  expect(t.h.ledger.balancesOf(a)).toEqual({ available: 85n * TOKEN, escrow: 10n * TOKEN })
})

test('attack: a frozen account cannot queue a loosening to take effect while it is frozen; lowering still works', async () => {
  const t = setUpMoneyComfort()
  const a = t.h.renter('alice', 100)
  await t.say('/limits spend 10')
  freezeAccount(t.h.db, { accountId: a, now: t.h.clock.now })
  const frozen = 'Your account is frozen, so loosening your spend limit is stopped; /unfreeze with a wallet your account held for the security hold before the freeze lifts it.'
  expect(await t.say('/limits spend off')).toMatchObject({ text: frozen, error: true })
  expect(await t.say('/limits spend 1000')).toMatchObject({ text: frozen, error: true })
  expect((await t.say('/limits spend 5')).text).toBe('Your monthly spend limit is now 5 GRID; 0 GRID is committed this month (UTC).')
  t.h.clock.now += HOLD + 1
  expect(t.spendLimits.status(a)).toMatchObject({ cap: 5n * TOKEN, pending: undefined })
  expect(t.h.sqlite.prepare("select count(*) as n from security_events where kind = 'spend_limit_loosened'").get()).toEqual({ n: 0 })
})

test('a freeze leaves a loosening that already waited out its hold in force', async () => {
  const t = setUpMoneyComfort()
  const a = t.h.renter('alice', 100)
  await t.say('/limits spend 10')
  await t.say('/limits spend 30')
  t.h.clock.now += HOLD
  freezeAccount(t.h.db, { accountId: a, now: t.h.clock.now })
  expect(t.spendLimits.status(a).cap).toBe(30n * TOKEN)
})
