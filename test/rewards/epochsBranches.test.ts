import { Writable } from 'node:stream'
import { StandardMerkleTree } from '@openzeppelin/merkle-tree'
import { pino } from 'pino'
import { describe, expect, test } from 'vitest'
import { fixtureAddress, insertNetwork } from '../../bench/networkFixture.ts'
import { TokenUnits } from '../../src/ledger/TokenUnits.ts'
import { Epochs, epochProof } from '../../src/rewards/Epochs.ts'
import { EMPTY_ROOT, payoutTree } from '../../src/rewards/merkle.ts'
import { TOKEN } from '../support/marketHarness.ts'
import { createRewardsHarness } from '../support/rewardsHarness.ts'

// The branches of an epoch close, its recompute and its estimate, each pinned
// by its exact outcome: ledger postings, statements, payouts, announcement.

const HOUR = 3600_000
const DAY = 24 * HOUR
const EMISSION = 50_000n * TOKEN // epoch_emission's default, per full epoch
type Harness = ReturnType<typeof createRewardsHarness>

const providerIdOf = (h: Harness, address: string) => (h.sqlite.prepare('select id from providers where address = ?').get(address) as { id: number }).id

/** Every ledger transaction an epoch close posted, with its entries in order. */
function epochPostings(h: Harness) {
  const transactions = h.sqlite.prepare("select id, kind, idempotency_key as key from ledger_transactions where kind like 'epoch.%' order by id").all() as { id: number; kind: string; key: string }[]
  const entries = h.sqlite.prepare('select key, amount from ledger_entries where transaction_id = ? order by id')
  return transactions.map((t) => ({ kind: t.kind, key: t.key, entries: entries.all(t.id) }))
}

const statements = (h: Harness, epoch: number) =>
  h.sqlite.prepare('select provider_id as providerId, total, leaf_index as leaf from epoch_statements where epoch = ? order by provider_id').all(epoch) as { providerId: number; total: string; leaf: number }[]

const announcement = (h: Harness, epoch: number) => {
  const row = h.sqlite.prepare('select topic, account_id as accountId, reply from notifications where dedupe_key = ?').get(`epoch.closed:${epoch}`) as { topic: string; accountId: number | null; reply: string }
  return { topic: row.topic, accountId: row.accountId, ...(JSON.parse(row.reply) as { title: string; text: string; fields: { name: string; value: string }[] }) }
}

describe('what a close posts, pays and announces', () => {
  test('emission goes to each provider that earned some, payouts to each paid one; leaves are numbered 0, 1 over the paid only', () => {
    const h = createRewardsHarness()
    const start = h.clock.now
    const a = h.provider(1)
    // Up all day, but never proven: in the epoch with nothing.
    const zero = h.provider(2, { nodeKey: 'zero' }, { trusted: false })
    const frozen = h.provider(3, { nodeKey: 'frozen' })
    const d = h.provider(4, { nodeKey: 'd' })
    for (const p of [a, frozen, d]) h.uptime(p.nodeId, start, start + DAY)
    h.uptime(zero.nodeId, start, start + DAY, 0)
    h.sqlite.prepare('update accounts set frozen_at = ? where id = ?').run(start, frozen.accountId)
    h.clock.now = start + DAY
    const [epoch] = h.epochs.closeDue()
    const share = EMISSION / 3n
    const [idA, idZero, idFrozen, idD] = [a, zero, frozen, d].map((p) => providerIdOf(h, p.address))
    expect(statements(h, 1)).toEqual([
      { providerId: idA, total: share.toString(), leaf: 0 },
      { providerId: idZero, total: '0', leaf: -1 },
      { providerId: idFrozen, total: share.toString(), leaf: -1 },
      { providerId: idD, total: share.toString(), leaf: 1 },
    ])
    expect(epochPostings(h)).toEqual([
      {
        kind: 'epoch.emission',
        key: 'epoch.emission:1',
        entries: [
          { key: 'system:rewards_pool', amount: (-3n * share).toString() },
          { key: `account:${a.accountId}:earnings`, amount: share.toString() },
          { key: `account:${frozen.accountId}:earnings`, amount: share.toString() },
          { key: `account:${d.accountId}:earnings`, amount: share.toString() },
        ],
      },
      {
        kind: 'epoch.payout',
        key: 'epoch.payout:1',
        entries: [
          { key: `account:${a.accountId}:earnings`, amount: (-share).toString() },
          { key: `account:${d.accountId}:earnings`, amount: (-share).toString() },
          { key: 'system:payouts_pending', amount: (2n * share).toString() },
        ],
      },
    ])
    expect(h.sqlite.prepare('select id, amount from payouts order by id').all()).toEqual([
      { id: `e1-${idA}`, amount: share.toString() },
      { id: `e1-${idD}`, amount: share.toString() },
    ])
    expect(h.ledger.earningsOf(frozen.accountId)).toBe(share)
    expect(announcement(h, 1)).toEqual({
      topic: 'announcements',
      accountId: null,
      title: 'Epoch 1 closed',
      text: `4 providers earned ${h.units.display(3n * share)} of emission and 0 GRID in rentals. 2 payouts totalling ${h.units.display(2n * share)} are being sent; 1 provider held by a freeze or a wallet still in its security hold, ${h.units.display(share)} carried over to the next epoch.`,
      fields: [
        { name: 'Merkle root', value: epoch!.merkleRoot },
        { name: 'Statement', value: 'http://localhost:8787/api/v1/epochs/1' },
      ],
    })
    expect(epoch!.merkleRoot).toBe(payoutTree([{ address: a.address, amount: share }, { address: d.address, amount: share }]).root)
    expect(h.invariants()).toEqual([])
  })

  test('one provider with rental earnings: "1 provider", the rentals summed into the text', () => {
    const h = createRewardsHarness()
    const start = h.clock.now
    const a = h.provider(1)
    h.uptime(a.nodeId, start, start + DAY)
    const renter = h.renter('alice', 10)
    const quote = h.rentals.quote({ accountId: renter, model: 'H100-80GB', hours: 1, gpuCount: 1 })
    const rental = h.rentals.confirm({ accountId: renter, quote: { ...quote, pricePerGpuHour: quote.pricePerGpuHour.toString() } })
    h.rentals.reportRunning(a.address, rental.id, { host: 'x' })
    h.clock.now += HOUR
    h.rentals.expireDue()
    h.clock.now = start + DAY
    h.epochs.closeDue()
    const rentals = (2n * TOKEN * 95n) / 100n // 2 GRID for one GPU-hour, less the 5% fee
    expect(announcement(h, 1).text).toBe(
      `1 provider earned ${h.units.display(EMISSION)} of emission and ${h.units.display(rentals)} in rentals. 1 payout of ${h.units.display(EMISSION + rentals)} is being sent.`,
    )
    expect(h.units.display(rentals)).toBe('1.9 GRID')
    expect(h.invariants()).toEqual([])
  })

  test('an epoch that emits and pays nothing posts nothing and shows no Merkle root', () => {
    const h = createRewardsHarness()
    h.clock.now += DAY
    const [epoch] = h.epochs.closeDue()
    expect(epoch!.merkleRoot).toBe(EMPTY_ROOT)
    expect(epochPostings(h)).toEqual([])
    expect(announcement(h, 1)).toEqual({
      topic: 'announcements',
      accountId: null,
      title: 'Epoch 1 closed',
      text: '0 providers earned 0 GRID of emission and 0 GRID in rentals. Nothing to pay: no provider earned anything in this epoch.',
      fields: [{ name: 'Statement', value: 'http://localhost:8787/api/v1/epochs/1' }],
    })
  })

  test('epoch_emission 0 closes with no emission posting; the carried amount is still paid', () => {
    const h = createRewardsHarness()
    const start = h.clock.now
    h.params.set('min_payout', '60000', { setByProposal: null, now: start })
    const a = h.provider(1)
    h.uptime(a.nodeId, start, start + 2 * DAY)
    h.clock.now = start + DAY
    h.epochs.closeDue() // 50,000 GRID, under the minimum: carried
    h.params.set('epoch_emission', '0', { setByProposal: null, now: h.clock.now })
    h.params.set('min_payout', '0', { setByProposal: null, now: h.clock.now })
    h.clock.now = start + 2 * DAY
    const [second] = h.epochs.closeDue()
    expect(second!.emission).toBe('0')
    expect(JSON.parse(second!.report).providers).toMatchObject([{ emission: '0', carriedIn: EMISSION.toString(), total: EMISSION.toString(), paid: true, leafIndex: 0 }])
    expect(epochPostings(h).map((p) => p.key)).toEqual(['epoch.emission:1', 'epoch.payout:2'])
    expect(h.sqlite.prepare('select id, amount from payouts').all()).toEqual([{ id: `e2-${providerIdOf(h, a.address)}`, amount: EMISSION.toString() }])
    expect(h.invariants()).toEqual([])
  })

  test('a parameter more precise than the token is refused by name at the close', () => {
    for (const name of ['epoch_emission', 'min_payout']) {
      const h = createRewardsHarness()
      // A 6-decimal token under parameters that allow 18 decimals.
      const epochs = new Epochs({ db: h.db, ledger: h.ledger, units: new TokenUnits('GRID', 6), params: h.params, clock: () => h.clock.now, logger: pino({ level: 'silent' }), epochCron: '0 0 * * *', publicUrl: 'http://localhost:8787' })
      h.params.set(name, '0.0000001', { setByProposal: null, now: h.clock.now })
      h.clock.now += DAY
      expect(() => epochs.closeDue()).toThrow(`The ${name} 0.0000001 has more than 6 decimals; GRID has 6.`)
      expect(epochs.last()).toBeUndefined()
    }
  })

  test('the close is logged with its epoch, providers, amount paid and root', () => {
    const h = createRewardsHarness()
    const lines: Record<string, unknown>[] = []
    const stream = new Writable({
      write(chunk, _encoding, done) {
        for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>)
        done()
      },
    })
    const epochs = new Epochs({ db: h.db, ledger: h.ledger, units: h.units, params: h.params, clock: () => h.clock.now, logger: pino({ level: 'info' }, stream), epochCron: '0 0 * * *', publicUrl: 'http://localhost:8787' })
    const a = h.provider(1)
    h.uptime(a.nodeId, h.clock.now, h.clock.now + DAY)
    h.clock.now += DAY
    const [epoch] = epochs.closeDue()
    expect(lines.map(({ epoch, providers, paying, root, msg }) => ({ epoch, providers, paying, root, msg }))).toEqual([
      { epoch: 1, providers: 1, paying: EMISSION.toString(), root: epoch!.merkleRoot, msg: 'epoch closed' },
    ])
  })
})

describe('minimum payout edges', () => {
  test('min_payout 0: a provider with a total of nothing is not paid; recompute sees uptime that appeared after the close', () => {
    const h = createRewardsHarness()
    const start = h.clock.now
    h.params.set('min_payout', '0', { setByProposal: null, now: start })
    const a = h.provider(1)
    const zero = h.provider(2, { nodeKey: 'zero' }, { trusted: false })
    h.uptime(a.nodeId, start, start + DAY)
    h.uptime(zero.nodeId, start, start + DAY, 0)
    h.clock.now = start + DAY
    const [epoch] = h.epochs.closeDue()
    expect(statements(h, 1)).toEqual([
      { providerId: providerIdOf(h, a.address), total: EMISSION.toString(), leaf: 0 },
      { providerId: providerIdOf(h, zero.address), total: '0', leaf: -1 },
    ])
    expect(h.sqlite.prepare('select id from payouts').all()).toEqual([{ id: `e1-${providerIdOf(h, a.address)}` }])
    // The database now says `zero` had proven GPUs: a statement of nothing was never a payout held back,
    // so the recompute pays it and the root no longer matches.
    h.sqlite.prepare('delete from uptime_buckets where node_id = ?').run(zero.nodeId)
    h.sqlite.prepare('delete from uptime_hours where node_id = ?').run(zero.nodeId)
    h.uptime(zero.nodeId, start, start + DAY)
    const recomputed = h.epochs.recompute(1)
    expect(recomputed.merkleRoot).toBe(payoutTree([{ address: a.address, amount: EMISSION / 2n }, { address: zero.address, amount: EMISSION / 2n }]).root)
    expect(recomputed.reportHash).not.toBe(epoch!.reportHash)
  })

  test('recompute keeps a total under the minimum unpaid only while it is under: more uptime found later makes it payable', () => {
    const h = createRewardsHarness()
    const start = h.clock.now
    h.params.set('min_payout', '60000', { setByProposal: null, now: start })
    const a = h.provider(1)
    h.uptime(a.nodeId, start, start + DAY)
    h.uptime(a.nodeId, start + DAY, start + 2 * DAY, 0)
    h.clock.now = start + 2 * DAY
    const [, second] = h.epochs.closeDue()
    expect(JSON.parse(second!.report).providers).toMatchObject([{ carriedIn: EMISSION.toString(), emission: '0', total: EMISSION.toString(), paid: false }])
    expect(second!.merkleRoot).toBe(EMPTY_ROOT)
    h.sqlite.prepare('update uptime_hours set gpus = 2 * buckets where node_id = ? and hour_start >= ?').run(a.nodeId, start + DAY)
    expect(h.epochs.recompute(2).merkleRoot).toBe(payoutTree([{ address: a.address, amount: 2n * EMISSION }]).root)
  })

  test('a held provider whose total is exactly the minimum stays held when recomputed', () => {
    const h = createRewardsHarness({ epochCron: '0 * * * *' })
    const start = h.clock.now
    h.params.set('min_payout', '50000', { setByProposal: null, now: start })
    // Its wallet was linked an hour ago: inside the security hold.
    const fresh = h.provider(1)
    h.uptime(fresh.nodeId, start, start + HOUR)
    h.clock.now = start + HOUR
    const [epoch] = h.epochs.closeDue()
    expect(JSON.parse(epoch!.report).providers).toMatchObject([{ total: EMISSION.toString(), paid: false, carriedOut: EMISSION.toString(), leafIndex: null }])
    expect(announcement(h, 1).text).toBe(
      `1 provider earned ${h.units.display(EMISSION)} of emission and 0 GRID in rentals. Nothing to pay: 1 provider held by a freeze or a wallet still in its security hold, ${h.units.display(EMISSION)} carried over to the next epoch.`,
    )
    expect(h.epochs.recompute(1)).toEqual({ reportHash: epoch!.reportHash, merkleRoot: EMPTY_ROOT })
  })
})

describe('recompute', () => {
  test('error: an epoch that is not closed', () => {
    const h = createRewardsHarness()
    expect(() => h.epochs.recompute(7)).toThrow(new Error('epoch 7 is not closed'))
  })

  test('uptime deleted after the close recomputes to no emission, not to a crash', () => {
    const h = createRewardsHarness()
    const a = h.provider(1)
    h.uptime(a.nodeId, h.clock.now, h.clock.now + DAY)
    h.clock.now += DAY
    const [epoch] = h.epochs.closeDue()
    h.sqlite.prepare('delete from uptime_buckets').run()
    h.sqlite.prepare('delete from uptime_hours').run()
    const recomputed = h.epochs.recompute(1)
    expect(recomputed.merkleRoot).toBe(EMPTY_ROOT)
    expect(recomputed.reportHash).toMatch(/^0x[0-9a-f]{64}$/)
    expect(recomputed.reportHash).not.toBe(epoch!.reportHash)
  })
})

describe('estimate', () => {
  test('one estimate serves the same epoch for under 60 s; at 60 s, or in a new epoch, it is worked out again', () => {
    const h = createRewardsHarness()
    const start = h.clock.now
    const a = h.provider(1)
    h.uptime(a.nodeId, start, start + DAY)
    h.clock.now = start + HOUR
    const first = h.epochs.estimate()
    expect(first).toMatchObject({ number: 1, endsAt: start + HOUR })
    h.clock.now += 59_999
    expect(h.epochs.estimate()).toBe(first)
    h.clock.now = start + HOUR + 60_000
    const second = h.epochs.estimate()
    expect(second).not.toBe(first)
    expect(second).toMatchObject({ number: 1, endsAt: start + HOUR + 60_000 })
    expect(h.epochs.estimate()).toBe(second)
    // The epoch closes within the minute: the next estimate is of epoch 2.
    h.clock.now += 1000
    h.epochs.close()
    h.clock.now += 1000
    expect(h.epochs.estimate()).toMatchObject({ number: 2, startsAt: start + HOUR + 61_000, endsAt: start + HOUR + 62_000 })
  })
})

describe('carry-in and ordering', () => {
  test('a paid epoch carries nothing; a failed payout of provider 12 is carried to it alone; nodes come in code-point order', () => {
    const h = createRewardsHarness({ epochCron: '0 * * * *' })
    const start = h.clock.now
    insertNetwork(h.sqlite, { nodes: 12, gpusPerNode: 2, now: start, uptime: { from: start, to: start + HOUR } })
    h.clock.now = start + HOUR
    const [first] = h.epochs.closeDue()
    const report1 = JSON.parse(first!.report) as { nodes: { nodeId: string }[]; providers: { providerId: number; total: string; leafIndex: number }[] }
    expect(report1.nodes.map((n) => n.nodeId)).toEqual(['n1', 'n10', 'n11', 'n12', 'n2', 'n3', 'n4', 'n5', 'n6', 'n7', 'n8', 'n9'])
    expect(report1.providers.map((p) => [p.providerId, p.leafIndex])).toEqual(Array.from({ length: 12 }, (_, i) => [i + 1, i]))
    const failed = report1.providers[11]!
    h.sqlite.prepare("update payouts set status = 'failed' where id = 'e1-12'").run()
    h.ledger.post({
      kind: 'payout.failed',
      idempotencyKey: 'payout.failed:e1-12',
      entries: [
        { key: 'system:payouts_pending', amount: -BigInt(failed.total) },
        { key: 'account:12:earnings', amount: BigInt(failed.total) },
      ],
      now: h.clock.now,
    })
    h.clock.now = start + 2 * HOUR
    const [second] = h.epochs.closeDue()
    expect(JSON.parse(second!.report).providers).toEqual([
      { providerId: 12, address: fixtureAddress(12), accountId: 12, earnings: '0', carriedIn: failed.total, score: '0', emission: '0', total: failed.total, paid: true, carriedOut: '0', leafIndex: 0 },
    ])
    expect(h.sqlite.prepare("select id, status, amount from payouts where id in ('e1-12', 'e2-12') order by id").all()).toEqual([
      { id: 'e1-12', status: 'carried', amount: failed.total },
      { id: 'e2-12', status: 'pending', amount: failed.total },
    ])
    expect(h.invariants()).toEqual([])
  })
})

describe('epochProof', () => {
  test('a paid address gets its leaf and a proof that verifies against the root; an unpaid one, or an epoch that paid nobody, gets none', () => {
    const h = createRewardsHarness()
    const start = h.clock.now
    const a = h.provider(1)
    const b = h.provider(2, { nodeKey: 'b' })
    const unpaid = h.provider(3, { nodeKey: 'c' }, { trusted: false })
    h.uptime(a.nodeId, start, start + DAY)
    h.uptime(b.nodeId, start, start + DAY)
    h.clock.now = start + DAY
    const [epoch] = h.epochs.closeDue()
    const proof = epochProof(epoch!, b.address.toLowerCase())!
    expect(proof.leaf).toEqual([b.address, (EMISSION / 2n).toString()])
    expect(proof.root).toBe(epoch!.merkleRoot)
    expect(proof.proof).toHaveLength(1)
    expect(StandardMerkleTree.verify(epoch!.merkleRoot, ['address', 'uint256'], proof.leaf, proof.proof)).toBe(true)
    expect(epochProof(epoch!, unpaid.address)).toBeUndefined()
    h.clock.now += DAY
    const [empty] = h.epochs.closeDue()
    expect(epochProof(empty!, a.address)).toBeUndefined()
  })
})
