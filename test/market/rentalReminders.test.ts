import { expect, test } from 'vitest'
import { createAction, newActionId } from '../../src/command/actionStore.ts'
import { TOKEN } from '../support/marketHarness.ts'
import { alice, bob, setUpMoneyComfort } from './moneyComfortKit.ts'

// The harness starts at 2026-11-26 12:00 UTC and prices an H100 at 2 GRID per GPU-hour;
// a 1-hour rental started then ends at 13:00, so its reminder is due at 12:45.
const at = (hh: number, mm: number, ss = 0, ms = 0) => Date.UTC(2026, 10, 26, hh, mm, ss, ms)

async function oneHourRental() {
  const t = setUpMoneyComfort()
  const accountId = t.h.renter('alice', 100)
  const rental = await t.rentRunning('/rent H100-80GB 1')
  const buttons = () => t.outbox(`rental.reminder:${rental.id}:`).at(-1)!.reply
  return { ...t, accountId, rental, buttons }
}

test('reminds once, 15 minutes before the end, with Extend 1 h / Extend 4 h buttons for the account', async () => {
  const t = await oneHourRental()
  t.h.clock.now = at(12, 44, 59, 999)
  expect(t.reminders.sweep()).toEqual({ reminded: 0, autoExtended: 0 })
  t.h.clock.now = at(12, 45)
  expect(t.reminders.sweep()).toEqual({ reminded: 1, autoExtended: 0 })
  expect(t.reminders.sweep()).toEqual({ reminded: 0, autoExtended: 0 })
  t.h.clock.now = at(12, 50)
  expect(t.reminders.sweep()).toEqual({ reminded: 0, autoExtended: 0 })

  const sent = t.outbox('rental.reminder:')
  expect(sent.map((n) => ({ ...n, reply: { ...n.reply, buttons: n.reply.buttons?.map((b) => b.label) } }))).toEqual([
    {
      dedupeKey: `rental.reminder:${t.rental.id}:${at(13, 0)}`,
      accountId: t.accountId,
      topic: 'jobs',
      reply: {
        title: `Rental ${t.rental.id} ends in 15 min`,
        text: `1× H100-80GB on node ${t.rental.nodeId} ends 2026-11-26 13:00 UTC. Extend 1 h costs 2 GRID, 4 h 8 GRID.`,
        buttons: ['Extend 1 h', 'Extend 4 h'],
      },
    },
  ])
  const actions = t.h.sqlite.prepare("select name, owner_platform as platform, owner_user_id as owner, payload from actions where name = 'rental.extend'").all()
  expect(actions).toEqual([
    { name: 'rental.extend', platform: 'account', owner: String(t.accountId), payload: JSON.stringify({ rentalId: t.rental.id, hours: 1 }) },
    { name: 'rental.extend', platform: 'account', owner: String(t.accountId), payload: JSON.stringify({ rentalId: t.rental.id, hours: 4 }) },
  ])
})

test('a rental first seen inside the lead is reminded at once; one already past its end is not', async () => {
  const t = await oneHourRental()
  t.h.clock.now = at(12, 55, 30)
  expect(t.reminders.sweep()).toEqual({ reminded: 1, autoExtended: 0 })
  expect(t.buttons().title).toBe(`Rental ${t.rental.id} ends in 5 min`)

  const late = await oneHourRental()
  late.h.clock.now = at(13, 0) // the end itself: expiry's business, not a reminder's
  expect(late.reminders.sweep()).toEqual({ reminded: 0, autoExtended: 0 })
  expect(late.outbox('rental.reminder:')).toEqual([])
})

test('no reminder for a rental stopped before its reminder time', async () => {
  const t = await oneHourRental()
  t.h.clock.now = at(12, 30)
  await t.say(`/stop ${t.rental.id}`)
  t.h.clock.now = at(12, 45)
  expect(t.reminders.sweep()).toEqual({ reminded: 0, autoExtended: 0 })
  expect(t.outbox('rental.reminder:')).toEqual([])
})

test('pressing Extend 1 h extends like /extend (escrow, balance); the second button is spent; the new end is reminded again', async () => {
  const t = await oneHourRental()
  t.h.clock.now = at(12, 45)
  t.reminders.sweep()
  const reminder = t.buttons()
  expect(await t.press(t.actionOf(reminder, 'Extend 1 h'))).toBe(`Extended ${t.rental.id} by 1 h; it now ends 2026-11-26 14:00 UTC. 4 GRID is in escrow for it.`)
  expect(await t.press(t.actionOf(reminder, 'Extend 4 h'))).toBe('This was already answered.')
  expect(await t.press(t.actionOf(reminder, 'Extend 1 h'))).toBe('This was already answered.')
  expect(t.h.ledger.balancesOf(t.accountId)).toEqual({ available: 96n * TOKEN, escrow: 4n * TOKEN })
  expect(t.rentalRow(t.rental.id)).toMatchObject({ hours: 2, ends_at: at(14, 0), escrowed: (4n * TOKEN).toString() })

  t.h.clock.now = at(13, 44, 59)
  expect(t.reminders.sweep()).toEqual({ reminded: 0, autoExtended: 0 })
  t.h.clock.now = at(13, 45)
  expect(t.reminders.sweep()).toEqual({ reminded: 1, autoExtended: 0 })
  expect(t.outbox('rental.reminder:').map((n) => n.dedupeKey)).toEqual([`rental.reminder:${t.rental.id}:${at(13, 0)}`, `rental.reminder:${t.rental.id}:${at(14, 0)}`])
  expect(await t.press(t.actionOf(t.buttons(), 'Extend 4 h'))).toBe(`Extended ${t.rental.id} by 4 h; it now ends 2026-11-26 18:00 UTC. 12 GRID is in escrow for it.`)
  expect(t.h.ledger.balancesOf(t.accountId)).toEqual({ available: 88n * TOKEN, escrow: 12n * TOKEN })
  expect(t.h.invariants()).toEqual([])
})

test('a rental extended before its reminder time is reminded for its new end only', async () => {
  const t = await oneHourRental()
  t.h.clock.now = at(12, 30)
  await t.say(`/extend ${t.rental.id} 1`)
  t.h.clock.now = at(12, 45)
  expect(t.reminders.sweep()).toEqual({ reminded: 0, autoExtended: 0 })
  t.h.clock.now = at(13, 45)
  expect(t.reminders.sweep()).toEqual({ reminded: 1, autoExtended: 0 })
  expect(t.outbox('rental.reminder:').map((n) => n.dedupeKey)).toEqual([`rental.reminder:${t.rental.id}:${at(14, 0)}`])
})

test('attack: pressing someone else’s Extend button does nothing to their rental or money', async () => {
  const t = await oneHourRental()
  const mallory = t.h.renter('bob', 100)
  t.h.clock.now = at(12, 45)
  t.reminders.sweep()
  const extend4 = t.actionOf(t.buttons(), 'Extend 4 h')
  expect(await t.press(extend4, bob)).toBe('This button belongs to someone else.')
  expect(t.rentalRow(t.rental.id)).toMatchObject({ hours: 1, ends_at: at(13, 0) })
  expect(t.h.ledger.balancesOf(t.accountId)).toEqual({ available: 98n * TOKEN, escrow: 2n * TOKEN })
  expect(t.h.ledger.balancesOf(mallory)).toEqual({ available: 100n * TOKEN, escrow: 0n })
  // Even a button of bob's own that names alice's rental acts only on bob's account: the rental is not found.
  const forged = createAction(t.h.db, { name: 'rental.extend', payload: { rentalId: t.rental.id, hours: 4 }, owner: { platform: 'account', id: String(mallory) }, groupId: newActionId(), now: t.h.clock.now })
  expect(await t.press(forged, bob)).toBe(`You have no rental ${t.rental.id}; /jobs lists yours.`)
  expect(t.rentalRow(t.rental.id)).toMatchObject({ hours: 1 })
  // The owner's press still works.
  expect(await t.press(extend4, alice)).toBe(`Extended ${t.rental.id} by 4 h; it now ends 2026-11-26 17:00 UTC. 10 GRID is in escrow for it.`)
})

test('a stale press after the rental ended is told so in one sentence and charges nothing', async () => {
  const t = await oneHourRental()
  t.h.clock.now = at(12, 45)
  t.reminders.sweep()
  t.h.clock.now = at(13, 0)
  t.h.rentals.expireDue()
  const after = t.h.ledger.balancesOf(t.accountId)
  expect(after).toEqual({ available: 98n * TOKEN, escrow: 0n })
  t.h.clock.now = at(20, 0)
  expect(await t.press(t.actionOf(t.buttons(), 'Extend 1 h'))).toBe(`Rental ${t.rental.id} already ended (expired); start a new one with /rent.`)
  expect(t.h.ledger.balancesOf(t.accountId)).toEqual(after)
})
