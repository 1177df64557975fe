import { expect, test } from 'vitest'
import { createMarketHarness } from '../support/marketHarness.ts'
import { userError } from '../support/userError.ts'

test("attack: a provider cannot rent its own node to have its GPUs count as served (by id or as the cheapest), and nothing moves", () => {
  const h = createMarketHarness()
  // The only H100 node on the market is the provider's own, bonded and verified.
  const own = h.provider(1, { gpus: [{ name: 'H100-80GB', memoryMb: 81920, count: 4 }], pricePerGpuHour: '0.000001' })
  h.fund(own.accountId, 10n ** 18n)
  const before = h.ledger.balancesOf(own.accountId)
  const refused = userError(`Node ${own.nodeId} is one of your own; renting it would only pay you, so it is refused. /offers lists other nodes.`)
  for (const quote of [
    h.rentals.quote({ accountId: own.accountId, nodeId: own.nodeId, hours: 1, gpuCount: 4 }),
    h.rentals.quote({ accountId: own.accountId, model: 'H100-80GB', hours: 1, gpuCount: 4 }),
  ]) {
    expect(() => h.rentals.confirm({ accountId: own.accountId, quote: { ...quote, pricePerGpuHour: quote.pricePerGpuHour.toString() } })).toThrowError(refused)
  }
  expect(h.ledger.balancesOf(own.accountId)).toEqual(before)
  expect(h.sqlite.prepare('select count(*) as n from rentals').get()).toEqual({ n: 0 })
  expect(h.sqlite.prepare('select allocated from node_gpus where node_id = ?').get(own.nodeId)).toEqual({ allocated: 0 })

  // Someone else rents it as before.
  const renter = h.renter('alice')
  const quote = h.rentals.quote({ accountId: renter, nodeId: own.nodeId, hours: 1, gpuCount: 1 })
  expect(h.rentals.confirm({ accountId: renter, quote: { ...quote, pricePerGpuHour: quote.pricePerGpuHour.toString() } })).toMatchObject({ nodeId: own.nodeId, accountId: renter })
})
