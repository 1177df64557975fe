import { expect, test } from 'vitest'
import { available, bond, escrow } from '../../src/ledger/balanceKeys.ts'
import { createMarketHarness, TOKEN } from '../support/marketHarness.ts'

// Someone holding a frozen account's chat identity must not move its money
// through the market: renting (or extending) a node the thief runs would pay
// the thief, and a bond is a step towards earnings paid to a fresh wallet.
const FROZEN = 'Your account is frozen, so renting is stopped; /unfreeze with a wallet your account held for the security hold before the freeze lifts it.'

test('attack: a frozen account cannot rent, extend or bond; its balances stay as they were', () => {
  const h = createMarketHarness()
  h.provider(1)
  const renter = h.renter('thief-held', 100)
  const quote = h.rentals.quote({ accountId: renter, model: 'H100-80GB', hours: 1, gpuCount: 1 })
  const payload = { ...quote, pricePerGpuHour: quote.pricePerGpuHour.toString() }
  const running = h.rentals.confirm({ accountId: renter, quote: payload })
  h.sqlite.prepare('update accounts set frozen_at = ? where id = ?').run(h.clock.now, renter)
  const before = [h.ledger.balance(available(renter)), h.ledger.balance(escrow(renter)), h.ledger.balance(bond(renter))]

  expect(() => h.rentals.confirm({ accountId: renter, quote: payload })).toThrow(FROZEN)
  expect(() => h.rentals.extend({ accountId: renter, id: running.id, hours: 1 })).toThrow('Your account is frozen, so extending a rental is stopped')
  expect(() => h.bonds.bond({ accountId: renter, amount: 10n * TOKEN })).toThrow('Your account is frozen, so bonding is stopped')
  expect([h.ledger.balance(available(renter)), h.ledger.balance(escrow(renter)), h.ledger.balance(bond(renter))]).toEqual(before)
  expect(h.sqlite.prepare('select count(*) as n from rentals where account_id = ?').get(renter)).toEqual({ n: 1 })
  expect(h.invariants()).toEqual([])
})
