import { describe, expect, test } from 'vitest'
import providerCommand from '../../commands/provider.ts'
import type { CommandContext } from '../../src/command/CommandContext.ts'
import { available, bond, escrow, system, unbonding } from '../../src/ledger/balanceKeys.ts'
import type { Quote, QuotePayload } from '../../src/market/quoteRental.ts'
import { createMarketHarness, TOKEN } from '../support/marketHarness.ts'

const HOUR = 3600_000
const payload = (quote: Quote): QuotePayload => ({ ...quote, pricePerGpuHour: quote.pricePerGpuHour.toString() })
const listed = (h: ReturnType<typeof createMarketHarness>) => (h.sqlite.prepare('select id from nodes where listed = 1').all() as { id: string }[]).map((r) => r.id)
const notes = (h: ReturnType<typeof createMarketHarness>, like: string) =>
  (h.sqlite.prepare('select account_id as accountId, reply from notifications where dedupe_key like ? order by id').all(like) as { accountId: number; reply: string }[]).map((n) => [
    n.accountId,
    JSON.parse(n.reply).text,
  ])

describe('fraud slash', () => {
  test('takes slash_fraud_bps of bond and unbonding to the rewards pool, unlists for the cooldown, records and tells the provider', async () => {
    const h = createMarketHarness()
    const { accountId, nodeId, address } = h.provider(1) // 100 GRID bonded
    h.fund(accountId, 200n * TOKEN)
    h.bonds.bond({ accountId, amount: 200n * TOKEN })
    h.bonds.unbond({ accountId, amount: 100n * TOKEN }) // 200 bonded, 100 unbonding: stake 300
    const poolBefore = h.ledger.balance(system('rewards_pool'))
    const start = h.clock.now
    expect(h.slashing.slashForFraud({ nodeId, reason: 'row 3 of GPU 0 did not match its commitment', challengeId: 'c1' })).toBe(150n * TOKEN)
    expect(h.ledger.balance(system('rewards_pool')) - poolBefore).toBe(150n * TOKEN)
    expect(h.ledger.balance(bond(accountId)) + h.ledger.balance(unbonding(accountId))).toBe(150n * TOKEN)
    expect(listed(h)).toEqual([])
    expect(h.market.search({})).toEqual([])
    expect(h.sqlite.prepare('select kind, amount, reason, node_id as nodeId, rental_id as rentalId from slashes').all()).toEqual([
      { kind: 'fraud', amount: (150n * TOKEN).toString(), reason: 'row 3 of GPU 0 did not match its commitment', nodeId, rentalId: null },
    ])
    expect(h.sqlite.prepare("select kind, memo from ledger_transactions where kind = 'slash.fraud'").all()).toEqual([
      { kind: 'slash.fraud', memo: 'row 3 of GPU 0 did not match its commitment' },
    ])
    expect(notes(h, 'slash.fraud:%')).toEqual([
      [accountId, `Node ${nodeId} failed a compute challenge (row 3 of GPU 0 did not match its commitment): 150 GRID of your bond went to the rewards pool, and your nodes are unlisted until 2026-11-29 12:00 UTC.`],
    ])
    // The same challenge reported twice slashes once.
    expect(h.slashing.slashForFraud({ nodeId, reason: 'again', challengeId: 'c1' })).toBe(0n)
    expect(h.ledger.balance(system('rewards_pool')) - poolBefore).toBe(150n * TOKEN)
    // Bond topped up and re-verified during the cooldown, it stays unlisted; the sweep lists it once the cooldown ends.
    h.fund(accountId, 50n * TOKEN)
    h.bonds.bond({ accountId, amount: 50n * TOKEN })
    h.verify(nodeId)
    expect(listed(h)).toEqual([])
    h.clock.now = start + 72 * HOUR - 1
    h.registry.heartbeat(address, nodeId, {})
    h.verify(nodeId)
    expect(h.listing.refreshDue()).toBe(0)
    expect(listed(h)).toEqual([])
    h.clock.now = start + 72 * HOUR
    expect(h.listing.refreshDue()).toBe(1)
    expect(listed(h)).toEqual([nodeId])
    const reply = await providerCommand.run({} as never, { market: h.market, units: h.units, ledger: h.ledger, accountId, now: h.clock.now } as unknown as CommandContext)
    expect(reply.text!.split('\n').slice(0, 2)).toEqual([
      'Bond 100 GRID covers 2 of 2 GPUs (50 GRID each). 100 GRID unbonding until 2026-12-03 12:00 UTC.',
      'Slashed 150 GRID on 2026-11-26 12:00 UTC (failed challenge): row 3 of GPU 0 did not match its commitment.',
    ])
    expect(h.invariants()).toEqual([])
  })

  test('a slash during unbonding reduces what is released', () => {
    const h = createMarketHarness()
    const { accountId, nodeId } = h.provider(1) // 100 GRID bonded
    h.bonds.unbond({ accountId, amount: 100n * TOKEN })
    const start = h.clock.now
    expect(h.slashing.slashForFraud({ nodeId, reason: 'late commitment', challengeId: 'c9' })).toBe(50n * TOKEN)
    expect(h.ledger.balance(unbonding(accountId))).toBe(50n * TOKEN)
    h.clock.now = start + 7 * 24 * HOUR
    expect(h.bonds.releaseDue()).toBe(1)
    expect(h.ledger.balance(available(accountId))).toBe(50n * TOKEN)
    expect(h.ledger.balance(unbonding(accountId))).toBe(0n)
    expect(h.invariants()).toEqual([])
  })

  test('a provider without stake loses nothing but cannot bond its way back during the cooldown', () => {
    const h = createMarketHarness()
    const { nodeId, accountId } = h.provider(1, {}, { trusted: false })
    h.verify(nodeId)
    expect(h.slashing.slashForFraud({ nodeId, reason: 'wrong row', challengeId: 'c2' })).toBe(0n)
    expect(h.sqlite.prepare('select count(*) as n from slashes').get()).toEqual({ n: 0 })
    h.fund(accountId, 100n * TOKEN)
    h.bonds.bond({ accountId, amount: 100n * TOKEN })
    expect(listed(h)).toEqual([])
    expect(h.invariants()).toEqual([])
  })
})

describe('failure compensation', () => {
  /** A 40 GRID rental on a node bonded with 100 GRID; with `keep`, the provider then unbonds all but that and waits out the release. */
  function rentalOnVanishingNode(keep?: bigint) {
    const h = createMarketHarness()
    const provider = h.provider(1)
    const alice = h.renter('alice', 50)
    const rental = h.rentals.confirm({ accountId: alice, quote: payload(h.rentals.quote({ accountId: alice, model: 'H100-80GB', hours: 10, gpuCount: 2 })) })
    if (keep !== undefined) {
      h.bonds.unbond({ accountId: provider.accountId, amount: 100n * TOKEN - keep * TOKEN })
      h.clock.now += 7 * 24 * HOUR
      expect(h.bonds.releaseDue()).toBe(1)
    }
    return { h, provider, alice, rental }
  }

  test('a rental whose node vanished pays the renter slash_failure_bps of its cost from the bond, on top of the refund', () => {
    const { h, provider, alice, rental } = rentalOnVanishingNode()
    h.rentals.reportRunning(provider.address, rental.id, { host: 'a' })
    h.clock.now += HOUR
    h.registry.heartbeat(provider.address, provider.nodeId, {})
    h.clock.now += 40_000
    expect(h.registry.markOffline()).toEqual([provider.nodeId])
    h.rentals.failOverOfflineNodes()
    // 1 h served of 10 (4 GRID charged, 36 refunded) plus 20% of the 40 GRID cost from the bond.
    expect(h.ledger.balance(available(alice))).toBe(10n * TOKEN + 36n * TOKEN + 8n * TOKEN)
    expect(h.ledger.balance(escrow(alice))).toBe(0n)
    expect(h.ledger.balance(bond(provider.accountId))).toBe(92n * TOKEN)
    expect(h.sqlite.prepare('select kind, amount, reason, rental_id as rentalId from slashes').all()).toEqual([
      { kind: 'failure', amount: (8n * TOKEN).toString(), reason: 'its node went offline', rentalId: rental.id },
    ])
    expect(notes(h, 'slash.failure:%')).toEqual([[provider.accountId, `Rental ${rental.id} on node ${provider.nodeId} failed because its node went offline: 8 GRID of your bond went to the renter.`]])
    const failed = h.sqlite.prepare("select reply from notifications where dedupe_key = ?").get(`rental.failed:${rental.id}`) as { reply: string }
    expect(JSON.parse(h.secrets.open(failed.reply.slice(7))).text).toBe(
      `${rental.id} stopped because its node went offline, and no other node can take it now. You were refunded 36 GRID for unserved time, and paid 8 GRID from the provider's bond for the failure.`,
    )
    h.rentals.failOverOfflineNodes() // nothing twice
    expect(h.ledger.balance(bond(provider.accountId))).toBe(92n * TOKEN)
    expect(h.invariants()).toEqual([])
  })

  test('compensation takes only what the stake holds', () => {
    const { h, provider, alice, rental } = rentalOnVanishingNode(3n)
    h.rentals.expireDue() // never claimed
    expect(h.rentals.get(alice, rental.id).status).toBe('failed')
    // 20% of 40 is 8 GRID, but only 3 are left at stake.
    expect(h.ledger.balance(available(alice))).toBe(53n * TOKEN)
    expect(h.ledger.balance(bond(provider.accountId)) + h.ledger.balance(unbonding(provider.accountId))).toBe(0n)
    expect(h.sqlite.prepare('select amount from slashes').all()).toEqual([{ amount: (3n * TOKEN).toString() }])
    expect(h.invariants()).toEqual([])
  })

  test('a provider with no stake pays nothing more than the refund', () => {
    const { h, provider, alice } = rentalOnVanishingNode(0n)
    expect(h.ledger.balance(unbonding(provider.accountId)) + h.ledger.balance(bond(provider.accountId))).toBe(0n)
    h.rentals.expireDue()
    expect(h.ledger.balance(available(alice))).toBe(50n * TOKEN)
    expect(h.sqlite.prepare('select count(*) as n from slashes').get()).toEqual({ n: 0 })
    expect(h.invariants()).toEqual([])
  })
})
