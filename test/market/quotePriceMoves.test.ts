import { describe, expect, test } from 'vitest'
import type { QuotePayload } from '../../src/market/quoteRental.ts'
import { createMarketHarness, TOKEN } from '../support/marketHarness.ts'

// A provider changes its price between a renter's quote and Confirm: a rise
// must not be charged at the old price, nor silently at the new one.

function quoted() {
  const m = createMarketHarness()
  const provider = m.provider(1)
  const renter = m.renter('renter', 20)
  const quote = m.rentals.quote({ accountId: renter, model: 'H100-80GB', hours: 2, gpuCount: 1 })
  const payload = { ...quote, pricePerGpuHour: quote.pricePerGpuHour.toString() } as QuotePayload
  // The provider re-registers the same node with a new price, as its agent does on restart.
  const reprice = (price: string) => m.registry.register(provider.address, { nodeKey: 'node-1', gpus: [{ name: 'NVIDIA H100 80GB HBM3', memoryMb: 81559, count: 2 }], pricePerGpuHour: price, region: 'eu-west' })
  return { m, renter, payload, reprice }
}

describe('price moves between quote and confirm', () => {
  test('a rise: Confirm is refused with a sentence, nothing is escrowed or booked', () => {
    const { m, renter, payload, reprice } = quoted()
    expect(payload.pricePerGpuHour).toBe((2n * TOKEN).toString())
    reprice('2.5')
    expect(() => m.rentals.confirm({ accountId: renter, quote: payload })).toThrow(
      expect.objectContaining({ code: 'CAPACITY_GONE', userMessage: 'Those GPUs are no longer available; run /rent again for a new quote.' }),
    )
    expect(m.ledger.balancesOf(renter)).toEqual({ available: 20n * TOKEN, escrow: 0n })
    expect(m.sqlite.prepare('select count(*) as n from rentals').get()).toEqual({ n: 0 })
    expect(m.sqlite.prepare('select allocated from node_gpus').all()).toEqual([{ allocated: 0 }])
  })

  test('a cut: Confirm books at the quoted price the renter agreed to (2 GRID × 2 h escrowed)', () => {
    const { m, renter, payload, reprice } = quoted()
    reprice('1.5')
    const rental = m.rentals.confirm({ accountId: renter, quote: payload })
    expect(m.ledger.balancesOf(renter)).toEqual({ available: 16n * TOKEN, escrow: 4n * TOKEN })
    expect(rental).toMatchObject({ gpuCount: 1, hours: 2 })
    expect(m.invariants()).toEqual([])
  })
})
