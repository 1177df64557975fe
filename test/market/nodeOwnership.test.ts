import { afterEach, expect, test } from 'vitest'
import { nodeOwnerAccount } from '../../src/market/nodeOwnership.ts'
import { createMarketHarness, TOKEN } from '../support/marketHarness.ts'

let close: (() => void) | undefined
afterEach(() => close?.())

function setup() {
  const h = createMarketHarness()
  close = h.close
  const rentOneHour = (accountId: number, nodeId: string) => {
    const quote = h.rentals.quote({ accountId, nodeId, hours: 1, gpuCount: 1 })
    return h.rentals.confirm({ accountId, quote: { ...quote, pricePerGpuHour: quote.pricePerGpuHour.toString() } })
  }
  return { h, rentOneHour }
}

test('a node is owned by the account that linked its provider wallet; an unknown node or an unlinked wallet has no owner', () => {
  const { h } = setup()
  const a = h.provider(1)
  const b = h.provider(2)
  expect(nodeOwnerAccount(h.db, a.nodeId)).toBe(a.accountId)
  expect(nodeOwnerAccount(h.db, b.nodeId)).toBe(b.accountId)
  expect(a.accountId).not.toBe(b.accountId)
  expect(nodeOwnerAccount(h.db, 'no-such-node')).toBeUndefined()
  h.sqlite.prepare('delete from wallets where address = ?').run(a.address)
  expect(nodeOwnerAccount(h.db, a.nodeId)).toBeUndefined()
})

test('attack: a provider cannot announce maintenance on another provider\'s node, nor probe unknown ids; no renter is warned', () => {
  const { h, rentOneHour } = setup()
  const victim = h.provider(1)
  const attacker = h.provider(2)
  const renter = h.renter('alice')
  const rental = rentOneHour(renter, victim.nodeId)
  h.rentals.reportRunning(victim.address, rental.id, { host: 'h' })
  const from = h.clock.now + 10 * 60_000
  for (const nodeId of [victim.nodeId, 'no-such-node']) {
    expect(() => h.market.announceMaintenance({ accountId: attacker.accountId, nodeId, from, hours: 1, now: h.clock.now })).toThrow(`You have no node ${nodeId}; /provider lists yours.`)
  }
  expect(h.sqlite.prepare('select maintenance_from as f, maintenance_until as u from nodes where id = ?').get(victim.nodeId)).toEqual({ f: null, u: null })
  expect(h.sqlite.prepare("select count(*) as n from notifications where dedupe_key like 'maintenance:%'").get()).toEqual({ n: 0 })
  // The owner can.
  expect(h.market.announceMaintenance({ accountId: victim.accountId, nodeId: victim.nodeId, from, hours: 1, now: h.clock.now })).toBe(1)
})

test("/provider's summary covers every wallet of the account and none of another provider's nodes, GPUs or rentals", () => {
  const { h, rentOneHour } = setup()
  const first = h.provider(1)
  const second = h.provider(2, { gpus: [{ name: 'NVIDIA H100 80GB HBM3', memoryMb: 81559, count: 4 }] })
  const other = h.provider(3)
  // The second wallet is linked to the first wallet's account too.
  h.sqlite.prepare('update wallets set account_id = ? where address = ?').run(first.accountId, second.address)
  const renter = h.renter('alice')
  const settled = rentOneHour(renter, first.nodeId)
  h.rentals.reportRunning(first.address, settled.id, { host: 'h' })
  h.clock.now += 3600_000
  h.rentals.expireDue()
  rentOneHour(renter, second.nodeId)
  rentOneHour(renter, other.nodeId)
  const feeBps = BigInt(h.params.getNumber('protocol_fee_bps'))
  const earnedOnFirst = 2n * TOKEN - (2n * TOKEN * feeBps) / 10_000n
  expect(h.market.providerNodes(first.accountId).map((n) => ({ id: n.id, gpus: n.gpus, activeRentals: n.activeRentals, earned: n.earned }))).toEqual([
    { id: first.nodeId, gpus: '2/2 H100-80GB', activeRentals: 0, earned: earnedOnFirst },
    { id: second.nodeId, gpus: '3/4 H100-80GB', activeRentals: 1, earned: 0n },
  ])
  expect(h.market.providerNodes(other.accountId).map((n) => ({ id: n.id, gpus: n.gpus, activeRentals: n.activeRentals, earned: n.earned }))).toEqual([
    { id: other.nodeId, gpus: '1/2 H100-80GB', activeRentals: 1, earned: 0n },
  ])
  expect(h.market.providerNodes(renter)).toEqual([])
})
