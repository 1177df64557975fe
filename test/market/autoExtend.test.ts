import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, expect, test } from 'vitest'
import { TOKEN } from '../support/marketHarness.ts'
import { raceWorkers } from '../support/raceWorkers.ts'
import { bob, setUpMoneyComfort } from './moneyComfortKit.ts'

// The harness starts at 2026-11-26 12:00 UTC and prices an H100 at 2 GRID per GPU-hour.
const at = (hh: number, mm: number) => Date.UTC(2026, 10, 26, hh, mm)
const FROZEN = 'Your account is frozen, so extending a rental is stopped; /unfreeze with a wallet your account held for the security hold before the freeze lifts it.'

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

async function autoRental(balance: number, cap: number, options: { path?: string } = {}) {
  const t = setUpMoneyComfort(options)
  const accountId = t.h.renter('alice', balance)
  const rental = await t.rentRunning(`/rent H100-80GB 1 auto_extend:${cap}`)
  const autoRow = () => t.h.sqlite.prepare('select cap_hours as cap, extended_hours as extended from rental_auto_extend where rental_id = ?').get(rental.id)
  return { ...t, accountId, rental, autoRow }
}

test('/rent auto_extend:<hours> shows it on the quote and Confirm stores the cap with the rental', async () => {
  const t = setUpMoneyComfort()
  t.h.renter('alice', 100)
  const quote = await t.say('/rent H100-80GB 1 auto_extend:3')
  expect(quote.fields).toContainEqual({ name: 'Auto-extend', value: '1 h at a time (2 GRID each) before the end, up to 3 h, while your balance allows' })
  const confirmed = await t.press(t.actionOf(quote, 'Confirm'))
  const id = /rental (r\w+)/.exec(confirmed)![1]!
  expect(confirmed).toBe(
    `Confirmed: rental ${id} starting (1× H100-80GB for 1 h, 2 GRID in escrow). You get the connection details as soon as it runs; /job ${id} shows its state. Auto-extend adds 1 h at a time before the end, up to 3 h, while your balance allows.`,
  )
  expect(t.h.sqlite.prepare('select rental_id as id, cap_hours as cap, extended_hours as extended from rental_auto_extend').all()).toEqual([{ id, cap: 3, extended: 0 }])
  // Without the option, no auto-extend.
  await t.rentRunning('/rent H100-80GB 1')
  expect(t.h.sqlite.prepare('select count(*) as n from rental_auto_extend').get()).toEqual({ n: 1 })
})

test.each(['0', '169', 'two', '1.5'])('error: auto_extend:%s names the expected form and quotes nothing', async (value) => {
  const t = setUpMoneyComfort()
  t.h.renter('alice', 100)
  const reply = await t.say(`/rent H100-80GB 1 auto_extend:${value}`)
  expect(reply.error).toBe(true)
  expect(reply.text!.split('\n')[0]).toBe(`Auto_extend should be a whole number of hours from 1 to 168, e.g. auto_extend:8, not "${value}".`)
  expect(reply.buttons).toBeUndefined()
})

test('extends an hour at a time before the end, up to the cap, telling the user each time; then reminds', async () => {
  const t = await autoRental(100, 2)
  t.h.clock.now = at(12, 45)
  expect(t.reminders.sweep()).toEqual({ reminded: 0, autoExtended: 1 })
  expect(t.reminders.sweep()).toEqual({ reminded: 0, autoExtended: 0 })
  expect(t.rentalRow(t.rental.id)).toMatchObject({ hours: 2, ends_at: at(14, 0), escrowed: (4n * TOKEN).toString() })
  expect(t.h.ledger.balancesOf(t.accountId)).toEqual({ available: 96n * TOKEN, escrow: 4n * TOKEN })
  expect(t.autoRow()).toEqual({ cap: 2, extended: 1 })

  t.h.clock.now = at(13, 45)
  expect(t.reminders.sweep()).toEqual({ reminded: 0, autoExtended: 1 })
  expect(t.h.ledger.balancesOf(t.accountId)).toEqual({ available: 94n * TOKEN, escrow: 6n * TOKEN })
  expect(t.outbox('rental.auto_extended:').map((n) => [n.dedupeKey, n.topic, n.reply.title, n.reply.text])).toEqual([
    [`rental.auto_extended:${t.rental.id}:1`, 'jobs', `Rental ${t.rental.id} auto-extended by 1 h`, `It now ends 2026-11-26 14:00 UTC; 2 GRID more went into escrow (unused time is refunded when it ends). Auto-extend has added 1 of its 2 h cap; /stop ${t.rental.id} ends the rental early.`],
    [`rental.auto_extended:${t.rental.id}:2`, 'jobs', `Rental ${t.rental.id} auto-extended by 1 h`, `It now ends 2026-11-26 15:00 UTC; 2 GRID more went into escrow (unused time is refunded when it ends). Auto-extend has added 2 of its 2 h cap; /stop ${t.rental.id} ends the rental early.`],
  ])
  expect(t.outbox('rental.reminder:')).toEqual([])

  // The cap is used up: this end gets the ordinary reminder, saying so.
  t.h.clock.now = at(14, 45)
  expect(t.reminders.sweep()).toEqual({ reminded: 1, autoExtended: 0 })
  expect(t.outbox('rental.reminder:').map((n) => n.reply.text)).toEqual([
    `1× H100-80GB on node ${t.rental.nodeId} ends 2026-11-26 15:00 UTC. Extend 1 h costs 2 GRID, 4 h 8 GRID. Auto-extend has added all 2 h of its cap.`,
  ])
  t.h.clock.now = at(15, 0)
  t.h.rentals.expireDue()
  expect(t.rentalRow(t.rental.id)).toMatchObject({ status: 'expired', charged: (6n * TOKEN).toString(), refunded: '0' })
  expect(t.h.ledger.balancesOf(t.accountId)).toEqual({ available: 94n * TOKEN, escrow: 0n })
  expect(t.h.invariants()).toEqual([])
})

test('when the balance does not cover the hour, it says so once, in the reminder, and lets the rental end', async () => {
  const t = await autoRental(3, 5) // 2 GRID for the first hour, 1 GRID left: short of the next
  t.h.clock.now = at(12, 45)
  expect(t.reminders.sweep()).toEqual({ reminded: 1, autoExtended: 0 })
  t.h.clock.now = at(12, 50)
  expect(t.reminders.sweep()).toEqual({ reminded: 0, autoExtended: 0 })
  expect(t.outbox('rental.').map((n) => n.reply.title)).toEqual([`Rental ${t.rental.id} is running`, `Rental ${t.rental.id} ends in 15 min`])
  expect(t.outbox('rental.reminder:').map((n) => n.reply.text)).toEqual([
    `1× H100-80GB on node ${t.rental.nodeId} ends 2026-11-26 13:00 UTC. Extend 1 h costs 2 GRID, 4 h 8 GRID. Auto-extend could not add an hour, so it ends then unless you extend: This needs 2 GRID but you have 1 GRID available. Use /deposit to top up.`,
  ])
  expect(t.rentalRow(t.rental.id)).toMatchObject({ hours: 1, ends_at: at(13, 0) })
  expect(t.autoRow()).toEqual({ cap: 5, extended: 0 })
  t.h.clock.now = at(13, 0)
  t.h.rentals.expireDue()
  expect(t.rentalRow(t.rental.id)).toMatchObject({ status: 'expired' })
  expect(t.h.ledger.balancesOf(t.accountId)).toEqual({ available: 1n * TOKEN, escrow: 0n })
})

test('after a top-up and a manual extension, auto-extend resumes at the new end', async () => {
  const t = await autoRental(3, 5)
  t.h.clock.now = at(12, 45)
  t.reminders.sweep()
  t.h.fund(t.accountId, 10n * TOKEN)
  expect(await t.press(t.actionOf(t.outbox('rental.reminder:')[0]!.reply, 'Extend 1 h'))).toBe(`Extended ${t.rental.id} by 1 h; it now ends 2026-11-26 14:00 UTC. 4 GRID is in escrow for it.`)
  t.h.clock.now = at(13, 45)
  expect(t.reminders.sweep()).toEqual({ reminded: 0, autoExtended: 1 })
  expect(t.h.ledger.balancesOf(t.accountId)).toEqual({ available: 7n * TOKEN, escrow: 6n * TOKEN })
  expect(t.autoRow()).toEqual({ cap: 5, extended: 1 })
})

test('/job shows auto-extend; Stop auto-extend on the message turns it off, keeps the hours added, and the next end is reminded', async () => {
  const t = await autoRental(100, 5)
  expect((await t.say(`/job ${t.rental.id}`)).fields).toContainEqual({ name: 'Auto-extend', value: '1 h at a time before the end; 0 of 5 h added' })
  t.h.clock.now = at(12, 45)
  t.reminders.sweep()
  const message = t.outbox('rental.auto_extended:')[0]!.reply
  expect(message.buttons?.map((b) => b.label)).toEqual(['Stop auto-extend'])
  expect((await t.say(`/job ${t.rental.id}`)).fields).toContainEqual({ name: 'Auto-extend', value: '1 h at a time before the end; 1 of 5 h added' })
  // Not someone else's to press.
  t.h.renter('bob', 10)
  expect(await t.press(t.actionOf(message, 'Stop auto-extend'), bob)).toBe('This button belongs to someone else.')
  expect(t.autoRow()).toEqual({ cap: 5, extended: 1 })

  expect(await t.press(t.actionOf(message, 'Stop auto-extend'))).toBe(`Auto-extend is off for ${t.rental.id}; it ends 2026-11-26 14:00 UTC unless you /extend it.`)
  expect(t.autoRow()).toBeUndefined()
  expect((await t.say(`/job ${t.rental.id}`)).fields?.map((f) => f.name)).not.toContain('Auto-extend')
  expect(t.rentalRow(t.rental.id)).toMatchObject({ hours: 2, ends_at: at(14, 0) })
  t.h.clock.now = at(13, 45)
  expect(t.reminders.sweep()).toEqual({ reminded: 1, autoExtended: 0 })
  expect(t.outbox('rental.reminder:')[0]!.reply.text).toBe(`1× H100-80GB on node ${t.rental.nodeId} ends 2026-11-26 14:00 UTC. Extend 1 h costs 2 GRID, 4 h 8 GRID.`)
  expect(t.h.ledger.balancesOf(t.accountId)).toEqual({ available: 96n * TOKEN, escrow: 4n * TOKEN })
})

test('Stop auto-extend pressed after the rental was stopped says it already ended', async () => {
  const t = await autoRental(100, 5)
  t.h.clock.now = at(12, 45)
  t.reminders.sweep()
  await t.say(`/stop ${t.rental.id}`)
  expect(await t.press(t.actionOf(t.outbox('rental.auto_extended:')[0]!.reply, 'Stop auto-extend'))).toBe(`Rental ${t.rental.id} already ended (stopped); nothing more is added to it.`)
})

test('attack: a frozen account is not auto-extended; the reminder says why and nothing moves', async () => {
  const t = await autoRental(100, 5)
  t.h.sqlite.prepare('update accounts set frozen_at = ? where id = ?').run(t.h.clock.now, t.accountId)
  t.h.clock.now = at(12, 45)
  expect(t.reminders.sweep()).toEqual({ reminded: 1, autoExtended: 0 })
  expect(t.outbox('rental.reminder:')[0]!.reply.text).toBe(
    `1× H100-80GB on node ${t.rental.nodeId} ends 2026-11-26 13:00 UTC. Extend 1 h costs 2 GRID, 4 h 8 GRID. Auto-extend could not add an hour, so it ends then unless you extend: ${FROZEN}`,
  )
  expect(t.h.ledger.balancesOf(t.accountId)).toEqual({ available: 98n * TOKEN, escrow: 2n * TOKEN })
  expect(t.rentalRow(t.rental.id)).toMatchObject({ hours: 1, ends_at: at(13, 0) })
  expect(t.autoRow()).toEqual({ cap: 5, extended: 0 })
  expect(t.outbox('rental.auto_extended:')).toEqual([])
})

test('the monthly spend limit stops auto-extend as it stops /extend', async () => {
  const t = setUpMoneyComfort()
  const accountId = t.h.renter('alice', 100)
  await t.say('/limits spend 3')
  const rental = await t.rentRunning('/rent H100-80GB 1 auto_extend:5')
  t.h.clock.now = at(12, 45)
  expect(t.reminders.sweep()).toEqual({ reminded: 1, autoExtended: 0 })
  expect(t.outbox('rental.reminder:')[0]!.reply.text).toBe(
    `1× H100-80GB on node ${rental.nodeId} ends 2026-11-26 13:00 UTC. Extend 1 h costs 2 GRID, 4 h 8 GRID. Auto-extend could not add an hour, so it ends then unless you extend: This would commit 2 GRID, but your monthly spend limit is 3 GRID and 2 GRID is already committed this month (UTC); raise it with /limits spend <amount>, or wait until 2026-12-01 00:00 UTC.`,
  )
  expect(t.h.ledger.balancesOf(accountId)).toEqual({ available: 98n * TOKEN, escrow: 2n * TOKEN })
})

test('attack: the sweep run by 4 processes at once extends once and tells once', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gridshare-autoextend-'))
  dirs.push(dir)
  const path = join(dir, 'market.db')
  const t = await autoRental(100, 5, { path })
  t.h.clock.now = at(12, 45)
  const results = await raceWorkers<{ reminded: number; autoExtended: number }, { reminded: number; autoExtended: number }>(
    new URL('./reminderSweepWorker.ts', import.meta.url),
    4,
    () => ({ path, now: t.h.clock.now }),
    () => t.reminders.sweep(),
  )
  const all = [...results, results.alongside!]
  expect(all.reduce((sum, r) => sum + r.autoExtended, 0)).toBe(1)
  expect(all.reduce((sum, r) => sum + r.reminded, 0)).toBe(0)
  expect(t.rentalRow(t.rental.id)).toMatchObject({ hours: 2, ends_at: at(14, 0), escrowed: (4n * TOKEN).toString() })
  expect(t.h.ledger.balancesOf(t.accountId)).toEqual({ available: 96n * TOKEN, escrow: 4n * TOKEN })
  expect(t.autoRow()).toEqual({ cap: 5, extended: 1 })
  expect(t.outbox('rental.auto_extended:').map((n) => n.dedupeKey)).toEqual([`rental.auto_extended:${t.rental.id}:1`])
  expect(t.h.invariants()).toEqual([])
})
