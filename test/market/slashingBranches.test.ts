import { describe, expect, test } from 'vitest'
import { available, bond, system, unbonding } from '../../src/ledger/balanceKeys.ts'
import type { Quote, QuotePayload } from '../../src/market/quoteRental.ts'
import { createMarketHarness, TOKEN } from '../support/marketHarness.ts'

// The branches of Slashing that decide whose money moves, left open by
// Slashing.test.ts (issue 17's mutation run): no owner, the key without a
// challenge id, a replayed slash, stake across bond and unbonding rows, the
// posting's entries and the messages' topic and title.

const HOUR = 3600_000
const DAY = 24 * HOUR
const payload = (quote: Quote): QuotePayload => ({ ...quote, pricePerGpuHour: quote.pricePerGpuHour.toString() })
const unlistedUntil = (h: ReturnType<typeof createMarketHarness>) => (h.sqlite.prepare('select unlisted_until as u from providers').get() as { u: number | null }).u

/** Provider 1 with 100 GRID bonded (covering its 2 GPUs), verified and listed. */
function bondedProvider() {
  const h = createMarketHarness()
  const provider = h.provider(1)
  return { h, ...provider }
}

describe('fraud slash', () => {
  test('a node nobody owns any more (its wallet unlinked) is slashed nothing', () => {
    const { h, nodeId, address } = bondedProvider()
    h.sqlite.prepare('delete from wallets where address = ?').run(address)
    expect(h.slashing.slashForFraud({ nodeId, reason: 'wrong row', challengeId: 'c1' })).toBe(0n)
    expect(h.slashing.slashForFraud({ nodeId: 'no-such-node', reason: 'wrong row' })).toBe(0n)
    expect(h.sqlite.prepare('select count(*) as n from slashes').get()).toEqual({ n: 0 })
  })

  test('without a challenge id the slash is keyed by node and time: two failures at two times are two slashes', () => {
    const { h, nodeId, accountId } = bondedProvider()
    const start = h.clock.now
    expect(h.slashing.slashForFraud({ nodeId, reason: 'first' })).toBe(50n * TOKEN)
    h.clock.now = start + HOUR
    expect(h.slashing.slashForFraud({ nodeId, reason: 'second' })).toBe(25n * TOKEN)
    expect(h.sqlite.prepare("select idempotency_key as key from ledger_transactions where kind = 'slash.fraud' order by id").all()).toEqual([
      { key: `slash.fraud:${nodeId}:${start}` },
      { key: `slash.fraud:${nodeId}:${start + HOUR}` },
    ])
    expect(h.ledger.balance(bond(accountId))).toBe(25n * TOKEN)
  })

  test('a slash replayed later takes nothing and does not stretch the cooldown', () => {
    const { h, nodeId } = bondedProvider()
    const start = h.clock.now
    h.slashing.slashForFraud({ nodeId, reason: 'wrong row', challengeId: 'c1' })
    expect(unlistedUntil(h)).toBe(start + 72 * HOUR)
    h.clock.now = start + 10 * HOUR
    expect(h.slashing.slashForFraud({ nodeId, reason: 'wrong row', challengeId: 'c1' })).toBe(0n)
    expect(unlistedUntil(h)).toBe(start + 72 * HOUR)
    expect(h.sqlite.prepare('select count(*) as n from slashes').get()).toEqual({ n: 1 })
  })

  test('the message has its title and topic; a slash from the bond alone posts exactly two entries', () => {
    const { h, nodeId, accountId } = bondedProvider()
    h.slashing.slashForFraud({ nodeId, reason: 'wrong row', challengeId: 'c1' })
    expect(h.sqlite.prepare("select account_id as accountId, topic, reply from notifications where dedupe_key = 'slash.fraud:c1'").all().map((n) => {
      const { reply, ...rest } = n as { reply: string; accountId: number; topic: string }
      return { ...rest, title: JSON.parse(reply).title }
    })).toEqual([{ accountId, topic: 'provider', title: 'Your bond was slashed' }])
    expect(
      h.sqlite.prepare("select e.key, e.amount from ledger_entries e join ledger_transactions t on t.id = e.transaction_id where t.kind = 'slash.fraud' order by e.id").all(),
    ).toEqual([
      { key: system('rewards_pool'), amount: String(50n * TOKEN) },
      { key: bond(accountId), amount: String(-50n * TOKEN) },
    ])
  })

  test('past the bond, the latest release is cut first, then the next; the rows add up to the balance', () => {
    const { h, nodeId, accountId } = bondedProvider()
    const start = h.clock.now
    h.bonds.unbond({ accountId, amount: 30n * TOKEN }) // released at +7 days
    h.params.set('unbond_days', '8', { setByProposal: null, now: start })
    h.bonds.unbond({ accountId, amount: 40n * TOKEN }) // released at +8 days
    h.params.set('slash_fraud_bps', '8000', { setByProposal: null, now: start })
    // Stake 100: 30 bonded + 70 unbonding. 80 % = 80: 30 from the bond, 40 from the +8 days row, 10 from the +7 days row.
    expect(h.slashing.slashForFraud({ nodeId, reason: 'wrong row', challengeId: 'c1' })).toBe(80n * TOKEN)
    expect(h.sqlite.prepare('select amount, release_at as at from unbondings order by id').all()).toEqual([
      { amount: String(20n * TOKEN), at: start + 7 * DAY },
      { amount: '0', at: start + 8 * DAY },
    ])
    expect(h.ledger.balance(bond(accountId))).toBe(0n)
    expect(h.ledger.balance(unbonding(accountId))).toBe(20n * TOKEN)
    expect(
      h.sqlite.prepare("select e.key, e.amount from ledger_entries e join ledger_transactions t on t.id = e.transaction_id where t.kind = 'slash.fraud' order by e.id").all(),
    ).toEqual([
      { key: system('rewards_pool'), amount: String(80n * TOKEN) },
      { key: bond(accountId), amount: String(-30n * TOKEN) },
      { key: unbonding(accountId), amount: String(-50n * TOKEN) },
    ])
    h.clock.now = start + 8 * DAY
    expect(h.bonds.releaseDue()).toBe(2)
    expect(h.ledger.balance(available(accountId))).toBe(20n * TOKEN)
    expect(h.invariants()).toEqual([])
  })

  test('a slash that ends exactly at a row leaves the earlier row whole', () => {
    const { h, nodeId, accountId } = bondedProvider()
    const start = h.clock.now
    h.bonds.unbond({ accountId, amount: 50n * TOKEN }) // +7 days
    h.params.set('unbond_days', '8', { setByProposal: null, now: start })
    h.bonds.unbond({ accountId, amount: 25n * TOKEN }) // +8 days
    h.params.set('slash_fraud_bps', '5000', { setByProposal: null, now: start })
    // Stake 100: 25 bonded, 75 unbonding; 50 % = 50: 25 from the bond, all 25 of the +8 days row.
    expect(h.slashing.slashForFraud({ nodeId, reason: 'wrong row', challengeId: 'c1' })).toBe(50n * TOKEN)
    expect(h.sqlite.prepare('select amount from unbondings order by id').all()).toEqual([{ amount: String(50n * TOKEN) }, { amount: '0' }])
  })
})

describe('failure compensation', () => {
  function rental(h: ReturnType<typeof createMarketHarness>) {
    const renter = h.renter('alice', 50)
    return { renter, rental: h.rentals.confirm({ accountId: renter, quote: payload(h.rentals.quote({ accountId: renter, model: 'H100-80GB', hours: 10, gpuCount: 2 })) }) }
  }

  test('the stake counts bond and unbonding together', () => {
    const { h, accountId } = bondedProvider()
    const { renter, rental: r } = rental(h)
    h.bonds.unbond({ accountId, amount: 95n * TOKEN }) // 5 bonded + 95 unbonding
    const before = h.ledger.balance(available(renter))
    // 20 % of the 40 GRID cost is 8: more than the bond, less than the stake.
    expect(h.slashing.compensateFailure(r, 'its node went offline')).toBe(8n * TOKEN)
    expect(h.ledger.balance(available(renter)) - before).toBe(8n * TOKEN)
    expect(h.ledger.balance(bond(accountId))).toBe(0n)
    expect(h.ledger.balance(unbonding(accountId))).toBe(92n * TOKEN)
    expect(h.sqlite.prepare("select kind, idempotency_key as key from ledger_transactions where kind like 'slash.%'").all()).toEqual([
      { kind: 'slash.failure', key: `slash.failure:${r.id}` },
    ])
    expect(h.sqlite.prepare("select account_id as accountId, topic, reply from notifications where dedupe_key = ?").all(`slash.failure:${r.id}`).map((n) => {
      const { reply, ...rest } = n as { reply: string; accountId: number; topic: string }
      return { ...rest, title: JSON.parse(reply).title }
    })).toEqual([{ accountId, topic: 'provider', title: 'Your bond paid a renter' }])
    // Once per rental.
    expect(h.slashing.compensateFailure(r, 'its node went offline')).toBe(0n)
    expect(h.invariants()).toEqual([])
  })

  test('a rental whose node has no owner any more is compensated by nobody', () => {
    const { h, address } = bondedProvider()
    const { rental: r } = rental(h)
    h.sqlite.prepare('delete from wallets where address = ?').run(address)
    expect(h.slashing.compensateFailure(r, 'its node went offline')).toBe(0n)
    expect(h.sqlite.prepare('select count(*) as n from slashes').get()).toEqual({ n: 0 })
  })
})
