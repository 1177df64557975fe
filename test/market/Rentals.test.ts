import { describe, expect, test } from 'vitest'
import type { Quote, QuotePayload } from '../../src/market/quoteRental.ts'
import { createMarketHarness, TOKEN } from '../support/marketHarness.ts'
import { userError } from '../support/userError.ts'

const payload = (quote: Quote): QuotePayload => ({ ...quote, pricePerGpuHour: quote.pricePerGpuHour.toString() })

function rentH100(h: ReturnType<typeof createMarketHarness>, accountId: number, hours = 4, gpuCount = 2) {
  const quote = h.rentals.quote({ accountId, model: 'H100-80GB', hours, gpuCount })
  return h.rentals.confirm({ accountId, quote: payload(quote) })
}

describe('quotes', () => {
  test('picks the cheapest node that hosts every GPU, ties broken by reliability', () => {
    const h = createMarketHarness()
    h.provider(1, { pricePerGpuHour: '1.5', gpus: [{ name: 'H100-80GB', memoryMb: 81920, count: 1 }] })
    const reliable = h.provider(2, { pricePerGpuHour: '2' })
    const flaky = h.provider(3, { pricePerGpuHour: '2' })
    h.sqlite.prepare('update node_gpus set reliability = 0.5 where node_id = ?').run(flaky.nodeId)
    const accountId = h.renter('alice', 10)
    const quote = h.rentals.quote({ accountId, model: 'H100-80GB', hours: 2, gpuCount: 2 })
    expect(quote).toMatchObject({ nodeId: reliable.nodeId, pricePerGpuHour: 2n * TOKEN, total: 8n * TOKEN, balanceAfter: 2n * TOKEN })
    expect(quote.expiresAt - h.clock.now).toBe(120_000)
  })

  test('error: no capacity', () => {
    const h = createMarketHarness()
    h.provider(1)
    const accountId = h.renter('alice')
    expect(() => h.rentals.quote({ accountId, model: 'H100-80GB', hours: 1, gpuCount: 3 })).toThrow(
      userError('No node has 3× H100-80GB free right now. Try /gpus to see what is available, or /alert to be told when it is.'),
    )
  })
})

describe('rentals', () => {
  test('confirm escrows the cost and allocates the GPUs', () => {
    const h = createMarketHarness()
    const { nodeId } = h.provider(1)
    const accountId = h.renter('alice', 20)
    const rental = rentH100(h, accountId)
    expect(rental).toMatchObject({ status: 'pending', nodeId, gpuCount: 2, hours: 4, escrowed: (16n * TOKEN).toString() })
    expect(rental.id).toMatch(/^r[a-z2-9]{4}$/)
    expect(h.ledger.balancesOf(accountId)).toEqual({ available: 4n * TOKEN, escrow: 16n * TOKEN })
    expect(h.market.search({})).toEqual([])
    expect(h.invariants()).toEqual([])
  })

  test('error: insufficient balance changes nothing', () => {
    const h = createMarketHarness()
    h.provider(1)
    const accountId = h.renter('alice', 5)
    expect(() => rentH100(h, accountId)).toThrow(userError('This needs 16 GRID but you have 5 GRID available. Use /deposit to top up.'))
    expect(h.ledger.balancesOf(accountId)).toEqual({ available: 5n * TOKEN, escrow: 0n })
    expect(h.market.search({})[0]?.freeGpus).toBe(2)
  })

  test('error: an expired quote', () => {
    const h = createMarketHarness()
    h.provider(1)
    const accountId = h.renter('alice')
    const quote = h.rentals.quote({ accountId, model: 'H100-80GB', hours: 1, gpuCount: 1 })
    h.clock.now += 120_000
    expect(() => h.rentals.confirm({ accountId, quote: payload(quote) })).toThrow('This quote expired (quotes last 2 minutes); run /rent again.')
  })

  test('error: capacity taken after the quote', () => {
    const h = createMarketHarness()
    h.provider(1)
    const alice = h.renter('alice')
    const bob = h.renter('bob')
    const quote = h.rentals.quote({ accountId: alice, model: 'H100-80GB', hours: 1, gpuCount: 2 })
    rentH100(h, bob, 1)
    expect(() => h.rentals.confirm({ accountId: alice, quote: payload(quote) })).toThrow(userError('Those GPUs are no longer available; run /rent again for a new quote.'))
    expect(h.ledger.balancesOf(alice).escrow).toBe(0n)
  })

  test('the agent claims, runs and the renter stops early: settlement is exact to the base unit', () => {
    const h = createMarketHarness()
    const provider = h.provider(1)
    const accountId = h.renter('alice', 20)
    const rental = rentH100(h, accountId)
    expect(h.registry.heartbeat(provider.address, provider.nodeId, {}).start.map((r) => r.id)).toEqual([rental.id])
    h.rentals.claim(provider.address, rental.id)
    h.rentals.reportRunning(provider.address, rental.id, { host: '127.0.0.1', port: '2222', secret: 's3cret' })
    expect(h.rentals.connectionDetails(h.rentals.get(accountId, rental.id))).toEqual({ host: '127.0.0.1', port: '2222', secret: 's3cret' })
    expect(h.sqlite.prepare('select connection_sealed as c from rentals').get()).not.toMatchObject({ c: expect.stringContaining('s3cret') })
    h.clock.now += 90 * 60_000 + 1 // 91 started minutes
    const stopped = h.rentals.stop({ accountId, id: rental.id })
    const charged = (2n * 2n * TOKEN * 91n) / 60n
    const fee = (charged * 500n) / 10_000n
    expect(stopped).toMatchObject({ status: 'stopped', charged: charged.toString(), fee: fee.toString(), refunded: (16n * TOKEN - charged).toString() })
    expect(h.ledger.balancesOf(accountId)).toEqual({ available: 20n * TOKEN - charged, escrow: 0n })
    expect(h.ledger.earningsOf(provider.accountId)).toBe(charged - fee)
    expect(h.ledger.balance('system:fees')).toBe(fee)
    expect(h.market.search({})[0]?.freeGpus).toBe(2)
    expect(h.registry.heartbeat(provider.address, provider.nodeId, { running: [rental.id] }).stop).toEqual([rental.id])
    expect(h.invariants()).toEqual([])
  })

  test('a running rental expires at its end time and is fully charged', () => {
    const h = createMarketHarness()
    const provider = h.provider(1)
    const accountId = h.renter('alice', 20)
    const rental = rentH100(h, accountId, 1, 1)
    h.rentals.reportRunning(provider.address, rental.id, { host: 'h' })
    h.clock.now += 3600_000
    expect(h.rentals.expireDue()).toEqual({ expired: 1, replaced: 0 })
    expect(h.rentals.get(accountId, rental.id)).toMatchObject({ status: 'expired', charged: (2n * TOKEN).toString(), refunded: '0' })
    expect(h.invariants()).toEqual([])
  })

  test('extend adds hours and escrow', () => {
    const h = createMarketHarness()
    const provider = h.provider(1)
    const accountId = h.renter('alice', 20)
    const rental = rentH100(h, accountId, 1, 1)
    h.rentals.reportRunning(provider.address, rental.id, { host: 'h' })
    const extended = h.rentals.extend({ accountId, id: rental.id, hours: 2 })
    expect(extended).toMatchObject({ hours: 3, escrowed: (6n * TOKEN).toString(), endsAt: h.clock.now + 3 * 3600_000 })
    expect(() => h.rentals.extend({ accountId, id: rental.id, hours: 100 })).toThrow(userError('This needs 200 GRID but you have 14 GRID available. Use /deposit to top up.'))
    expect(h.invariants()).toEqual([])
  })

  test('error: a renter sees and controls only their own rentals', () => {
    const h = createMarketHarness()
    h.provider(1)
    const alice = h.renter('alice')
    const bob = h.renter('bob')
    const rental = rentH100(h, alice, 1, 1)
    expect(() => h.rentals.get(bob, rental.id)).toThrow(userError(`You have no rental ${rental.id}; /jobs lists yours.`))
    expect(() => h.rentals.stop({ accountId: bob, id: rental.id })).toThrow(userError(`You have no rental ${rental.id}; /jobs lists yours.`))
    expect(h.rentals.list(bob)).toEqual([])
  })

  test('error: an agent cannot act on another provider\'s rental', () => {
    const h = createMarketHarness()
    h.provider(1)
    const mallory = h.provider(2, { gpus: [{ name: 'T4', memoryMb: 15360, count: 1 }] })
    const rental = rentH100(h, h.renter('alice'), 1, 1)
    expect(() => h.rentals.claim(mallory.address, rental.id)).toThrow(expect.objectContaining({ code: 'FORBIDDEN' }))
    expect(() => h.rentals.reportFinished(mallory.address, rental.id, 'failed')).toThrow(expect.objectContaining({ code: 'FORBIDDEN' }))
  })

  test('a node that drops offline: the renter is refunded unserved time and moved to another node', () => {
    const h = createMarketHarness()
    const first = h.provider(1, { pricePerGpuHour: '2' })
    const second = h.provider(2, { pricePerGpuHour: '1.5' })
    h.sqlite.prepare('update node_gpus set allocated = 2 where node_id = ?').run(second.nodeId) // busy when the rental starts
    const accountId = h.renter('alice', 20)
    const rental = rentH100(h, accountId, 4, 2)
    expect(rental.nodeId).toBe(first.nodeId)
    h.rentals.reportRunning(first.address, rental.id, { host: 'a' })
    h.clock.now += 30 * 60_000
    h.registry.heartbeat(first.address, first.nodeId, {})
    h.registry.heartbeat(second.address, second.nodeId, {})
    h.sqlite.prepare('update node_gpus set allocated = 0 where node_id = ?').run(second.nodeId)
    h.clock.now += 100_000
    h.registry.heartbeat(second.address, second.nodeId, {})
    expect(h.registry.markOffline()).toEqual([first.nodeId])
    expect(h.rentals.handleNodeOffline(first.nodeId)).toBe(1)
    const failed = h.rentals.get(accountId, rental.id)
    const charged = (2n * 2n * TOKEN * 30n) / 60n // served until the last heartbeat
    expect(failed).toMatchObject({ status: 'failed', failureReason: 'its node went offline', charged: charged.toString() })
    const [replacement] = h.rentals.list(accountId, { activeOnly: true })
    expect(replacement).toMatchObject({ nodeId: second.nodeId, replacesId: rental.id, hours: 4, status: 'pending' })
    expect(h.ledger.balancesOf(accountId).escrow).toBe(1n * TOKEN * 3n * 4n)
    expect(h.invariants()).toEqual([])
  })

  test('a rental never claimed is ended with a full refund, plus the failure share from the bond, when no other node can take it', () => {
    const h = createMarketHarness()
    h.provider(1)
    const accountId = h.renter('alice', 20)
    const rental = rentH100(h, accountId, 2, 2)
    h.clock.now += 3 * 60_000
    expect(h.rentals.expireDue()).toEqual({ expired: 0, replaced: 1 })
    expect(h.rentals.get(accountId, rental.id)).toMatchObject({ status: 'failed', charged: '0', refunded: (8n * TOKEN).toString() })
    // slash_failure_bps (20%) of the 8 GRID cost comes from the provider's bond on top of the refund.
    expect(h.ledger.balancesOf(accountId)).toEqual({ available: 20n * TOKEN + (16n * TOKEN) / 10n, escrow: 0n })
    const note = h.sqlite.prepare("select reply from notifications where dedupe_key like 'rental.failed:%'").get() as { reply: string }
    expect(note.reply.startsWith('sealed:')).toBe(true)
    expect(JSON.parse(h.secrets.open(note.reply.slice(7))).text).toBe(
      `${rental.id} stopped because the provider did not start it in time, and no other node can take it now. You were refunded 8 GRID for unserved time, and paid 1.6 GRID from the provider's bond for the failure.`,
    )
    expect(h.invariants()).toEqual([])
  })

  test('a protocol fee change applies to the next settlement', () => {
    const h = createMarketHarness()
    const provider = h.provider(1)
    const accountId = h.renter('alice', 20)
    h.params.set('protocol_fee_bps', '1000', { setByProposal: 'p1', now: h.clock.now })
    const rental = rentH100(h, accountId, 1, 1)
    h.rentals.reportRunning(provider.address, rental.id, { host: 'h' })
    h.clock.now += 3600_000
    h.rentals.expireDue()
    expect(h.rentals.get(accountId, rental.id).fee).toBe((2n * TOKEN / 10n).toString())
  })
})

describe('maintenance', () => {
  test('a provider announcing maintenance warns the renters whose rentals run into it, once', () => {
    const h = createMarketHarness()
    const provider = h.provider(1)
    const accountId = h.renter('alice', 20)
    const rental = rentH100(h, accountId, 4, 1)
    h.rentals.reportRunning(provider.address, rental.id, { host: 'h' })
    const from = h.clock.now + 2 * 3600_000
    expect(h.market.announceMaintenance({ accountId: provider.accountId, nodeId: provider.nodeId, from, hours: 1, now: h.clock.now })).toBe(1)
    expect(h.market.announceMaintenance({ accountId: provider.accountId, nodeId: provider.nodeId, from, hours: 1, now: h.clock.now })).toBe(1)
    const warnings = h.sqlite.prepare("select account_id as accountId from notifications where dedupe_key like 'maintenance:%'").all()
    expect(warnings).toEqual([{ accountId }])
    expect(() => h.market.announceMaintenance({ accountId, nodeId: provider.nodeId, from, hours: 1, now: h.clock.now })).toThrow(`You have no node ${provider.nodeId}; /provider lists yours.`)
  })
})

describe('review fixes', () => {
  test('re-registering a node keeps GPUs held by its rentals allocated', () => {
    const h = createMarketHarness()
    const provider = h.provider(1)
    const alice = h.renter('alice', 50)
    rentH100(h, alice, 1, 2)
    h.registry.register(provider.address, { nodeKey: 'node-1', gpus: [{ name: 'T4', memoryMb: 15360 }], pricePerGpuHour: '2', region: 'eu-west' })
    h.registry.register(provider.address, { nodeKey: 'node-1', gpus: [{ name: 'NVIDIA H100 80GB HBM3', memoryMb: 81559, count: 2 }], pricePerGpuHour: '2', region: 'eu-west' })
    expect(h.market.search({ model: 'H100-80GB' })).toEqual([])
    expect(() => rentH100(h, h.renter('bob', 50), 1, 2)).toThrow(userError('No node has 2× H100-80GB free right now. Try /gpus to see what is available, or /alert to be told when it is.'))
  })

  test('rentals stranded on a node marked offline earlier are failed over on the next tick', () => {
    const h = createMarketHarness()
    const provider = h.provider(1)
    const alice = h.renter('alice', 50)
    const rental = rentH100(h, alice, 1, 1)
    h.clock.now += 100_000
    expect(h.registry.markOffline()).toEqual([provider.nodeId]) // …and the process died before failing over
    expect(h.rentals.failOverOfflineNodes()).toBe(1)
    expect(h.rentals.get(alice, rental.id).status).toBe('failed')
    expect(h.rentals.failOverOfflineNodes()).toBe(0)
    expect(h.invariants()).toEqual([])
  })
})
