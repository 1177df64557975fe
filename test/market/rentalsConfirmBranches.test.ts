import { pino } from 'pino'
import { describe, expect, test } from 'vitest'
import type { Ledger } from '../../src/ledger/Ledger.ts'
import type { Quote, QuotePayload } from '../../src/market/quoteRental.ts'
import { Rentals, type RentalsDeps } from '../../src/market/Rentals.ts'
import { createMarketHarness, TOKEN } from '../support/marketHarness.ts'

// Each branch of Rentals' confirm, list, get, stop, extend, escrow and agent
// ownership check on its own, with the exact sentence and nothing changed.

type Harness = ReturnType<typeof createMarketHarness>

const payload = (quote: Quote): QuotePayload => ({ ...quote, pricePerGpuHour: quote.pricePerGpuHour.toString() })
const refusal = (code: string, userMessage: string) => expect.objectContaining({ code, userMessage })
const CAPACITY_GONE = refusal('CAPACITY_GONE', 'Those GPUs are no longer available; run /rent again for a new quote.')
const H100 = { name: 'NVIDIA H100 80GB HBM3', memoryMb: 81559, count: 2 }

/** Provider 1 (2× H100 at 2 GRID per GPU-hour) and a renter with `tokens`. */
function market(tokens: number) {
  const h = createMarketHarness()
  const provider = h.provider(1)
  const renter = h.renter('alice', tokens)
  const quote = (gpuCount = 1, hours = 1, accountId = renter) => h.rentals.quote({ accountId, model: 'H100-80GB', hours, gpuCount })
  const rent = (gpuCount = 1, hours = 1, accountId = renter) => h.rentals.confirm({ accountId, quote: payload(quote(gpuCount, hours, accountId)) })
  const running = (gpuCount = 1, hours = 1) => {
    const rental = rent(gpuCount, hours)
    return h.rentals.reportRunning(provider.address, rental.id, { host: 'h' })
  }
  return { h, provider, renter, quote, rent, running }
}

/** Everything a refused action must leave as it was. */
function state(h: Harness, accountId: number) {
  return {
    balances: h.ledger.balancesOf(accountId),
    rentals: h.sqlite.prepare('select id, status, hours, escrowed, ends_at as endsAt from rentals order by id').all(),
    allocated: h.sqlite.prepare('select node_id as nodeId, model, allocated from node_gpus order by node_id, model').all(),
    postings: h.sqlite.prepare('select count(*) as n from ledger_transactions').get(),
  }
}

/** The harness's Rentals rebuilt with some deps replaced. */
function rentalsWith(h: Harness, overrides: Partial<RentalsDeps>) {
  const deps: RentalsDeps = { db: h.db, ledger: h.ledger, units: h.units, params: h.params, secrets: h.secrets, clock: () => h.clock.now, logger: pino({ level: 'silent' }), claimTimeoutMs: 3 * 60_000, slashing: h.slashing }
  return new Rentals({ ...deps, ...overrides })
}

describe('confirm: each refusal alone, nothing changed', () => {
  test('error: the quote expired at exactly its expiry', () => {
    const { h, renter, quote } = market(20)
    const quoted = quote()
    h.clock.now = quoted.expiresAt
    const before = state(h, renter)
    expect(() => h.rentals.confirm({ accountId: renter, quote: payload(quoted) })).toThrow(refusal('QUOTE_EXPIRED', 'This quote expired (quotes last 2 minutes); run /rent again.'))
    expect(state(h, renter)).toEqual(before)
  })

  test('error: the offer is gone (the node re-registered without that model)', () => {
    const { h, provider, renter, quote } = market(20)
    const quoted = quote()
    h.registry.register(provider.address, { nodeKey: 'node-1', gpus: [{ name: 'T4', memoryMb: 15360, count: 1 }], pricePerGpuHour: '2', region: 'eu-west' })
    expect(h.sqlite.prepare("select count(*) as n from node_gpus where model = 'H100-80GB'").get()).toEqual({ n: 0 })
    const before = state(h, renter)
    expect(() => h.rentals.confirm({ accountId: renter, quote: payload(quoted) })).toThrow(CAPACITY_GONE)
    expect(state(h, renter)).toEqual(before)
  })

  test('error: the node went offline after the quote, with its GPUs still free', () => {
    const { h, provider, renter, quote } = market(20)
    const quoted = quote()
    h.clock.now += 100_000
    expect(h.registry.markOffline()).toEqual([provider.nodeId])
    expect(h.sqlite.prepare('select total, allocated, online from node_gpus').all()).toEqual([{ total: 2, allocated: 0, online: 0 }])
    const before = state(h, renter)
    expect(() => h.rentals.confirm({ accountId: renter, quote: payload(quoted) })).toThrow(CAPACITY_GONE)
    expect(state(h, renter)).toEqual(before)
  })

  test('error: capacity short by exactly one GPU is refused as gone, before the balance is looked at', () => {
    const { h, renter, quote, rent } = market(3) // 3 GRID: less than the 4 GRID the quote costs
    const quoted = quote(2)
    rent(1, 1, h.renter('bob', 20))
    expect(h.sqlite.prepare('select total, allocated from node_gpus').all()).toEqual([{ total: 2, allocated: 1 }])
    const before = state(h, renter)
    expect(() => h.rentals.confirm({ accountId: renter, quote: payload(quoted) })).toThrow(CAPACITY_GONE)
    expect(state(h, renter)).toEqual(before)
  })

  test('error: a price rise after the quote', () => {
    const { h, provider, renter, quote } = market(20)
    const quoted = quote()
    h.registry.register(provider.address, { nodeKey: 'node-1', gpus: [H100], pricePerGpuHour: '2.000001', region: 'eu-west' })
    const before = state(h, renter)
    expect(() => h.rentals.confirm({ accountId: renter, quote: payload(quoted) })).toThrow(CAPACITY_GONE)
    expect(state(h, renter)).toEqual(before)
  })

  test('the rental must be claimed within claimTimeoutMs of the confirm, not before', () => {
    const { h, renter, rent } = market(20)
    const confirmedAt = h.clock.now
    const rental = rent()
    expect(rental).toMatchObject({ createdAt: confirmedAt, claimBy: confirmedAt + 180_000, status: 'pending' })
    h.clock.now = confirmedAt + 179_999
    expect(h.rentals.expireDue()).toEqual({ expired: 0, replaced: 0 })
    expect(h.rentals.get(renter, rental.id).status).toBe('pending')
    h.clock.now = confirmedAt + 180_000
    expect(h.rentals.expireDue()).toEqual({ expired: 0, replaced: 1 })
  })
})

describe('list and get', () => {
  test('list() includes ended rentals, newest first; activeOnly leaves them out', () => {
    const { h, renter, rent } = market(20)
    const ended = rent()
    h.rentals.stop({ accountId: renter, id: ended.id })
    h.clock.now += 1000
    const active = rent()
    expect(h.rentals.list(renter).map((r) => [r.id, r.status])).toEqual([
      [active.id, 'pending'],
      [ended.id, 'stopped'],
    ])
    expect(h.rentals.list(renter, { activeOnly: true }).map((r) => r.id)).toEqual([active.id])
  })

  test('get() finds a rental typed in upper case with spaces around it', () => {
    const { h, renter, rent } = market(20)
    const rental = rent()
    expect(h.rentals.get(renter, `  ${rental.id.toUpperCase()} `)).toEqual(rental)
  })
})

describe('stop', () => {
  test('error: stopping a rental that already ended names its state and changes nothing', () => {
    const { h, renter, rent } = market(20)
    const rental = rent()
    h.rentals.stop({ accountId: renter, id: rental.id })
    const before = state(h, renter)
    expect(() => h.rentals.stop({ accountId: renter, id: rental.id })).toThrow(refusal('ALREADY_ENDED', `Rental ${rental.id} already ended (stopped).`))
    expect(state(h, renter)).toEqual(before)
  })
})

describe('extend', () => {
  test('error: a rental that already ended', () => {
    const { h, renter, running } = market(20)
    const rental = running()
    h.rentals.stop({ accountId: renter, id: rental.id })
    const before = state(h, renter)
    expect(() => h.rentals.extend({ accountId: renter, id: rental.id, hours: 1 })).toThrow(
      refusal('ALREADY_ENDED', `Rental ${rental.id} already ended (stopped); start a new one with /rent.`),
    )
    expect(state(h, renter)).toEqual(before)
  })

  test('up to exactly 720 hours in all is allowed; 721 is refused with nothing changed', () => {
    const { h, renter, running } = market(2000)
    const rental = running()
    const before = state(h, renter)
    expect(() => h.rentals.extend({ accountId: renter, id: rental.id, hours: 720 })).toThrow(
      refusal('TOO_LONG', `A rental can last at most 720 hours; ${rental.id} has 1.`),
    )
    expect(state(h, renter)).toEqual(before)
    expect(h.rentals.extend({ accountId: renter, id: rental.id, hours: 719 })).toMatchObject({ hours: 720, escrowed: (1440n * TOKEN).toString() })
    expect(h.ledger.balancesOf(renter)).toEqual({ available: 560n * TOKEN, escrow: 1440n * TOKEN })
  })

  test('error: the node is offline', () => {
    const { h, provider, renter, running } = market(20)
    const rental = running()
    h.clock.now += 100_000
    expect(h.registry.markOffline()).toEqual([provider.nodeId])
    const before = state(h, renter)
    expect(() => h.rentals.extend({ accountId: renter, id: rental.id, hours: 1 })).toThrow(
      refusal('NODE_OFFLINE', `Node ${provider.nodeId} is offline, so ${rental.id} cannot be extended.`),
    )
    expect(state(h, renter)).toEqual(before)
  })

  test('costs price × GPUs × hours exactly and moves the end by the hours', () => {
    const { h, renter, running } = market(20)
    const rental = running(2, 1)
    expect(h.ledger.balancesOf(renter)).toEqual({ available: 16n * TOKEN, escrow: 4n * TOKEN })
    const extended = h.rentals.extend({ accountId: renter, id: rental.id, hours: 3 })
    expect(extended).toMatchObject({ hours: 4, escrowed: (16n * TOKEN).toString(), startedAt: rental.startedAt, endsAt: rental.endsAt! + 3 * 3600_000 })
    expect(h.ledger.balancesOf(renter)).toEqual({ available: 4n * TOKEN, escrow: 16n * TOKEN })
    expect(h.invariants()).toEqual([])
  })

  test('a rental not started yet keeps no end time: it is set when it runs', () => {
    const { h, provider, renter, rent } = market(20)
    const rental = rent()
    expect(h.rentals.extend({ accountId: renter, id: rental.id, hours: 2 })).toMatchObject({ hours: 3, endsAt: null, escrowed: (6n * TOKEN).toString() })
    expect(h.rentals.reportRunning(provider.address, rental.id, { host: 'h' }).endsAt).toBe(h.clock.now + 3 * 3600_000)
  })

  test('error: a short balance is refused with what it needs, nothing changed', () => {
    const { h, renter, running } = market(5)
    const rental = running(1, 1)
    const before = state(h, renter)
    expect(() => h.rentals.extend({ accountId: renter, id: rental.id, hours: 2 })).toThrow(
      refusal('INSUFFICIENT_BALANCE', 'This needs 4 GRID but you have 3 GRID available. Use /deposit to top up.'),
    )
    expect(state(h, renter)).toEqual(before)
  })

  test('error: the rental changed between reading it and writing: CONFLICT, and the second escrow is undone', () => {
    const { h, renter, running } = market(20)
    const rental = running()
    let interleaved = false
    // Another handler extends the same rental between this one's read and its transaction.
    const racing = rentalsWith(h, {
      clock: () => {
        if (!interleaved) {
          interleaved = true
          h.rentals.extend({ accountId: renter, id: rental.id, hours: 1 })
        }
        return h.clock.now
      },
    })
    expect(() => racing.extend({ accountId: renter, id: rental.id, hours: 2 })).toThrow(refusal('CONFLICT', `Rental ${rental.id} changed meanwhile; try again.`))
    expect(interleaved).toBe(true)
    expect(h.rentals.get(renter, rental.id)).toMatchObject({ hours: 2, escrowed: (4n * TOKEN).toString() })
    expect(h.ledger.balancesOf(renter)).toEqual({ available: 16n * TOKEN, escrow: 4n * TOKEN })
    expect(h.invariants()).toEqual([])
  })
})

describe('escrow', () => {
  test('a ledger failure that is not a shortfall is rethrown as it is, not reported as a low balance', () => {
    const { h, renter, quote } = market(20)
    const diskFull = new Error('database or disk is full')
    const ledger = Object.create(h.ledger) as Ledger
    ledger.post = () => {
      throw diskFull
    }
    const quoted = quote()
    const before = state(h, renter)
    let thrown: unknown
    try {
      rentalsWith(h, { ledger }).confirm({ accountId: renter, quote: payload(quoted) })
    } catch (error) {
      thrown = error
    }
    expect(thrown).toBe(diskFull)
    expect(state(h, renter)).toEqual(before)
  })
})

describe('agent ownership', () => {
  test("error: another provider's agent is told the rental's node is not theirs", () => {
    const { h, rent } = market(20)
    const mallory = h.provider(2, { gpus: [{ name: 'T4', memoryMb: 15360, count: 1 }] })
    const rental = rent()
    expect(() => h.rentals.claim(mallory.address, rental.id)).toThrow(refusal('FORBIDDEN', `Node ${rental.nodeId} does not belong to this provider.`))
    expect(h.sqlite.prepare('select status from rentals').all()).toEqual([{ status: 'pending' }])
  })

  test('error: an unknown rental id is named in the refusal', () => {
    const { h, provider } = market(20)
    expect(() => h.rentals.claim(provider.address, 'rzzzz')).toThrow(refusal('FORBIDDEN', 'Node rzzzz does not belong to this provider.'))
  })
})
