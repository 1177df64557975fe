import { describe, expect, test } from 'vitest'
import type { Quote, QuotePayload } from '../../src/market/quoteRental.ts'
import { OFFLINE_AFTER_INTERVALS, offlineSweepSeconds } from '../../src/market/NodeRegistry.ts'
import { MAX_PENDING_NODES, MAX_REGISTRATIONS_PER_HOUR } from '../../src/market/registrationLimits.ts'
import { available, earnings, escrow } from '../../src/ledger/balanceKeys.ts'
import { createMarketHarness, TOKEN } from '../support/marketHarness.ts'
import { userError } from '../support/userError.ts'

const payload = (quote: Quote): QuotePayload => ({ ...quote, pricePerGpuHour: quote.pricePerGpuHour.toString() })
const H200_16 = [{ name: 'NVIDIA H200', memoryMb: 143771, count: 16 }]
const listedNodes = (h: ReturnType<typeof createMarketHarness>) =>
  (h.sqlite.prepare('select id from nodes where listed = 1 order by registered_at, id').all() as { id: string }[]).map((r) => r.id)

describe('Sybil nodes', () => {
  test('200 unbonded nodes claiming 16× H200 each (3,200 in all) are never listed or quoted, even when verified', () => {
    const h = createMarketHarness()
    const sybils = Array.from({ length: 200 }, (_, i) => h.provider(1000 + i, { gpus: H200_16, pricePerGpuHour: '0.000001' }, { trusted: false }))
    for (const { nodeId } of sybils) h.verify(nodeId) // even a passed challenge lists nothing without bond
    const renter = h.renter('alice', 100)
    expect(h.market.search({})).toEqual([])
    expect(h.market.catalogue().models).toEqual([])
    expect(() => h.rentals.quote({ accountId: renter, model: 'H200-141GB', hours: 1, gpuCount: 1 })).toThrow(
      userError('No node has 1× H200-141GB free right now. Try /gpus to see what is available, or /alert to be told when it is.'),
    )
    expect(listedNodes(h)).toEqual([])
    expect((h.sqlite.prepare('select count(*) as n from node_gpus where online = 1').get() as { n: number }).n).toBe(0)
  })

  test('a bonded but unverified node is not listed', () => {
    const h = createMarketHarness()
    const { accountId, nodeId } = h.provider(1, {}, { trusted: false })
    h.fund(accountId, 100n * TOKEN)
    h.bonds.bond({ accountId, amount: 100n * TOKEN })
    expect(listedNodes(h)).toEqual([])
    h.verify(nodeId)
    expect(listedNodes(h)).toEqual([nodeId])
  })

  test('simulated nodes are never listed where SIMULATED_PROVIDERS=deny', () => {
    const h = createMarketHarness({ simulatedAllowed: false })
    const { accountId, nodeId } = h.provider(1, {}, { trusted: false })
    h.sqlite.prepare('update nodes set simulated = 1 where id = ?').run(nodeId)
    h.bondAndVerify(accountId, nodeId)
    expect(listedNodes(h)).toEqual([])
    expect(h.market.search({})).toEqual([])
  })

  test(`a provider may hold at most ${MAX_PENDING_NODES} pending nodes`, () => {
    const h = createMarketHarness()
    for (let i = 0; i < MAX_PENDING_NODES; i++) h.provider(1, { nodeKey: `n${i}` }, { trusted: false })
    expect(() => h.provider(1, { nodeKey: 'one-too-many' }, { trusted: false })).toThrow(
      userError('This wallet already has 5 nodes waiting for verification; at most 5 may wait at once, so let them pass their challenge first.'),
    )
    expect((h.sqlite.prepare('select count(*) as n from nodes').get() as { n: number }).n).toBe(MAX_PENDING_NODES)
    // Re-registering an existing node (an agent restart) is not a new node.
    expect(() => h.provider(1, { nodeKey: 'n0' }, { trusted: false })).not.toThrow()
  })

  test(`a provider wallet registers at most ${MAX_REGISTRATIONS_PER_HOUR} new nodes an hour`, () => {
    const h = createMarketHarness()
    for (let i = 0; i < MAX_REGISTRATIONS_PER_HOUR; i++) {
      const { nodeId } = h.provider(1, { nodeKey: `n${i}` }, { trusted: false })
      h.verify(nodeId) // verified nodes are not pending: only the rate limit is left
    }
    expect(() => h.provider(1, { nodeKey: 'n-next' }, { trusted: false })).toThrow(
      userError('This wallet registered 10 new nodes in the last hour, the most allowed; try again later.'),
    )
    h.clock.now += 3600_000
    expect(() => h.provider(1, { nodeKey: 'n-next' }, { trusted: false })).not.toThrow()
  })

  test('a verified node that re-registers with a different inventory is pending again and unlisted', () => {
    const h = createMarketHarness()
    const { address, nodeId } = h.provider(1, { gpus: [{ name: 'RTX4090-24GB', memoryMb: 24564, count: 2 }] })
    expect(listedNodes(h)).toEqual([nodeId])
    h.registry.register(address, { nodeKey: 'node-1', gpus: [{ name: 'H200-141GB', memoryMb: 143771, count: 2 }], pricePerGpuHour: '2', region: 'eu-west' })
    expect(h.sqlite.prepare('select verification, verified_gpus as verifiedGpus, listed from nodes where id = ?').get(nodeId)).toEqual({ verification: 'pending', verifiedGpus: 0, listed: 0 })
    expect(h.market.search({})).toEqual([])
  })
})

describe('bond coverage', () => {
  test('a bond covering 2 of 4 nodes lists exactly the first two, in registration order', () => {
    const h = createMarketHarness()
    const nodes = [0, 1, 2, 3].map((i) => {
      h.clock.now += 1000
      return h.provider(1, { nodeKey: `n${i}` }, { trusted: false })
    })
    const { accountId } = nodes[0]!
    for (const { nodeId } of nodes) h.verify(nodeId)
    h.fund(accountId, 200n * TOKEN)
    h.bonds.bond({ accountId, amount: 200n * TOKEN }) // 2 GPUs × 50 GRID per node: two nodes
    expect(listedNodes(h)).toEqual([nodes[0]!.nodeId, nodes[1]!.nodeId])
    expect(h.market.search({})).toMatchObject([{ model: 'H100-80GB', freeGpus: 4, nodes: 2 }])
    expect(h.bonds.summary(accountId)).toMatchObject({ bonded: 200n * TOKEN, totalGpus: 8, coveredGpus: 4, shortfall: 200n * TOKEN })
  })

  test('verified GPUs below the declared count are all the bond must cover', () => {
    const h = createMarketHarness()
    const { accountId, nodeId } = h.provider(1, { gpus: [{ name: 'H100-80GB', memoryMb: 81920, count: 4 }] }, { trusted: false })
    h.fund(accountId, 100n * TOKEN)
    h.bonds.bond({ accountId, amount: 100n * TOKEN - 1n })
    h.verify(nodeId, 2)
    expect(listedNodes(h)).toEqual([]) // min(declared 4, verified 2) = 2 GPUs need 100 GRID
    h.bonds.bond({ accountId, amount: 1n })
    expect(listedNodes(h)).toEqual([nodeId])
  })

  test('an offline node frees its bond for the next node, which lists until the first returns', () => {
    const h = createMarketHarness()
    const first = h.provider(1, { nodeKey: 'a' }, { trusted: false })
    h.clock.now += 1000
    const second = h.provider(1, { nodeKey: 'b' }, { trusted: false })
    h.verify(first.nodeId)
    h.verify(second.nodeId)
    h.fund(first.accountId, 100n * TOKEN)
    h.bonds.bond({ accountId: first.accountId, amount: 100n * TOKEN })
    expect(listedNodes(h)).toEqual([first.nodeId])
    h.clock.now += 20_000
    h.registry.heartbeat(second.address, second.nodeId, {})
    h.clock.now += 20_000
    expect(h.registry.markOffline()).toEqual([first.nodeId])
    expect(listedNodes(h)).toEqual([second.nodeId])
  })

  test('a lapsed verification unlists at the next sweep, and a fresh one lists again', () => {
    const h = createMarketHarness()
    const { address, nodeId } = h.provider(1)
    const lifetime = (6 + 1) * 3600_000
    const beat = () => h.registry.heartbeat(address, nodeId, {})
    h.clock.now += lifetime - 1
    beat()
    expect(h.listing.refreshDue()).toBe(0)
    expect(listedNodes(h)).toEqual([nodeId])
    h.clock.now += 1
    beat()
    expect(h.listing.refreshDue()).toBe(1)
    expect(listedNodes(h)).toEqual([])
    expect(h.market.search({})).toEqual([])
    expect(h.listing.refreshDue()).toBe(0) // handled rows leave the sweep's range
    h.verify(nodeId)
    expect(listedNodes(h)).toEqual([nodeId])
  })
})

describe('renter protection', () => {
  test('failover skips every node of the failed provider, even a cheaper one', () => {
    const h = createMarketHarness()
    const bad = h.provider(1, { nodeKey: 'a', pricePerGpuHour: '2' })
    const badTwin = h.provider(1, { nodeKey: 'b', pricePerGpuHour: '1' })
    const other = h.provider(2, { pricePerGpuHour: '2' })
    h.sqlite.prepare('update node_gpus set allocated = total where node_id in (?, ?)').run(badTwin.nodeId, other.nodeId) // busy at first
    const alice = h.renter('alice', 50)
    const rental = h.rentals.confirm({ accountId: alice, quote: payload(h.rentals.quote({ accountId: alice, model: 'H100-80GB', hours: 2, gpuCount: 2 })) })
    expect(rental.nodeId).toBe(bad.nodeId)
    h.sqlite.prepare('update node_gpus set allocated = 0 where node_id in (?, ?)').run(badTwin.nodeId, other.nodeId)
    h.clock.now += 20_000
    h.registry.heartbeat(badTwin.address, badTwin.nodeId, {})
    h.registry.heartbeat(other.address, other.nodeId, {})
    h.clock.now += 20_000
    expect(h.registry.markOffline()).toEqual([bad.nodeId])
    h.rentals.failOverOfflineNodes()
    const [replacement] = h.rentals.list(alice, { activeOnly: true })
    expect(replacement).toMatchObject({ nodeId: other.nodeId, replacesId: rental.id })
    expect(h.invariants()).toEqual([])
  })

  test('a node that misses heartbeats leaves /gpus within 1.5 intervals, and not before one', () => {
    const interval = 30_000
    const sweepMs = offlineSweepSeconds(interval) * 1000
    expect(OFFLINE_AFTER_INTERVALS * interval + sweepMs).toBeLessThanOrEqual(1.5 * interval)
    // Whatever the sweep's phase against the last heartbeat, the node is gone by 1.5 intervals.
    // 4501 puts a sweep 1 ms before the cut-off (37.5 s): the worst case, gone at the next one (44.5 s).
    for (const phase of [0, 1, 1000, 4501, sweepMs / 2, sweepMs - 1]) {
      const h = createMarketHarness({ heartbeatIntervalMs: interval })
      const { address, nodeId } = h.provider(1)
      h.clock.now += phase
      h.registry.heartbeat(address, nodeId, {})
      const lastBeat = h.clock.now
      let goneAt: number | undefined
      for (let t = 1; t <= 20; t++) {
        h.clock.now = lastBeat + t * sweepMs - (phase % sweepMs)
        h.registry.markOffline()
        if (h.market.search({}).length === 0) {
          goneAt = h.clock.now - lastBeat
          break
        }
      }
      expect(goneAt).toBeDefined()
      expect(goneAt!).toBeGreaterThan(interval)
      expect(goneAt!).toBeLessThanOrEqual(1.5 * interval)
      expect(() => h.rentals.quote({ accountId: h.renter('r'), model: 'H100-80GB', hours: 1, gpuCount: 1 })).toThrow(userError('No node has 1× H100-80GB free right now. Try /gpus to see what is available, or /alert to be told when it is.'))
    }
  })

  test('a node heartbeating on time is never marked offline', () => {
    const h = createMarketHarness()
    const { address, nodeId } = h.provider(1)
    for (let i = 0; i < 20; i++) {
      h.clock.now += 30_000
      h.registry.heartbeat(address, nodeId, {})
      h.clock.now += 7_000
      expect(h.registry.markOffline()).toEqual([])
      h.clock.now -= 7_000
    }
    expect(listedNodes(h)).toEqual([nodeId])
  })
})

describe('honest provider', () => {
  test('a bonded, verified provider is listed, rented and settled; its bond stays whole', () => {
    const h = createMarketHarness()
    const { address, nodeId, accountId } = h.provider(1)
    expect(h.market.search({})).toEqual([
      { model: 'H100-80GB', freeGpus: 2, nodes: 1, minPrice: 2n * TOKEN, maxPrice: 2n * TOKEN, regions: ['eu-west'], medianReliability: 1, memoryMb: 81559 },
    ])
    const alice = h.renter('alice', 20)
    const rental = h.rentals.confirm({ accountId: alice, quote: payload(h.rentals.quote({ accountId: alice, model: 'H100-80GB', hours: 2, gpuCount: 2 })) })
    expect(rental.nodeId).toBe(nodeId)
    h.rentals.claim(address, rental.id)
    h.rentals.reportRunning(address, rental.id, { host: 'a' })
    h.clock.now += 2 * 3600_000
    h.registry.heartbeat(address, nodeId, {})
    expect(h.rentals.expireDue()).toEqual({ expired: 1, replaced: 0 })
    const fee = (8n * TOKEN * 500n) / 10_000n
    expect(h.ledger.balance(available(alice))).toBe(12n * TOKEN)
    expect(h.ledger.balance(escrow(alice))).toBe(0n)
    expect(h.ledger.balance(earnings(accountId))).toBe(8n * TOKEN - fee)
    expect(h.bonds.summary(accountId)).toMatchObject({ bonded: 100n * TOKEN, coveredGpus: 2, totalGpus: 2, shortfall: 0n })
    expect(h.sqlite.prepare('select count(*) as n from slashes').get()).toEqual({ n: 0 })
    expect(h.invariants()).toEqual([])
  })
})
