import { StandardMerkleTree } from '@openzeppelin/merkle-tree'
import { describe, expect, test } from 'vitest'
import { createRewardsHarness } from '../support/rewardsHarness.ts'
import { TOKEN } from '../support/marketHarness.ts'
import { insertNetwork } from '../../bench/networkFixture.ts'

const DAY = 24 * 3600_000

describe('epochs', () => {
  test('closing pays emission by score plus rental earnings, with a Merkle root every leaf proves against', () => {
    const h = createRewardsHarness()
    const start = h.clock.now
    const a = h.provider(1)
    const b = h.provider(2, { gpus: [{ name: 'RTX4090-24GB', memoryMb: 24564, count: 2 }], nodeKey: 'b' })
    h.uptime(a.nodeId, start, start + DAY)
    h.uptime(b.nodeId, start, start + DAY)
    // a rental on a's node earns 2 GRID × 1 h minus the 5% fee
    const renter = h.renter('alice', 10)
    const quote = h.rentals.quote({ accountId: renter, model: 'H100-80GB', hours: 1, gpuCount: 1 })
    const rental = h.rentals.confirm({ accountId: renter, quote: { ...quote, pricePerGpuHour: quote.pricePerGpuHour.toString() } })
    h.rentals.reportRunning(a.address, rental.id, { host: 'x' })
    h.clock.now += 3600_000
    h.rentals.expireDue()
    h.clock.now = start + DAY
    const [epoch] = h.epochs.closeDue()
    expect(epoch).toMatchObject({ number: 1, startsAt: start, endsAt: start + DAY, status: 'closed' })
    const statements = h.sqlite.prepare('select provider_id as p, emission, earnings, total, leaf_index as leaf from epoch_statements order by provider_id').all() as Record<string, string | number>[]
    const emissionA = BigInt(statements[0]!.emission as string)
    const emissionB = BigInt(statements[1]!.emission as string)
    // H100 weight 10 vs RTX 4090 weight 1.25: 8:9 and 1:9 of the emission, rounded down
    expect(emissionA).toBe((50_000n * TOKEN * 8n) / 9n)
    expect(emissionB).toBe((50_000n * TOKEN) / 9n)
    expect(emissionA + emissionB).toBeLessThanOrEqual(50_000n * TOKEN)
    expect(50_000n * TOKEN - emissionA - emissionB).toBeLessThan(2n)
    expect(statements[0]!.earnings).toBe(((2n * TOKEN * 95n) / 100n).toString())
    const tree = StandardMerkleTree.load(JSON.parse(epoch!.tree))
    expect(tree.root).toBe(epoch!.merkleRoot)
    for (const [i, leaf] of tree.entries()) expect(StandardMerkleTree.verify(epoch!.merkleRoot, ['address', 'uint256'], leaf, tree.getProof(i))).toBe(true)
    expect([...tree.entries()].map(([, leaf]) => leaf)).toEqual([
      [a.address, statements[0]!.total],
      [b.address, statements[1]!.total],
    ])
    const pending = h.sqlite.prepare("select id, amount, batch_id as batch from payouts order by id").all()
    expect(pending).toEqual([
      { id: 'e1-1', amount: statements[0]!.total, batch: 'epoch:1' },
      { id: 'e1-2', amount: statements[1]!.total, batch: 'epoch:1' },
    ])
    expect(h.ledger.earningsOf(a.accountId)).toBe(0n)
    expect(h.invariants()).toEqual([])
  })

  test('closing twice gives the same report and pays once; recomputing gives the same hash and root', () => {
    const h = createRewardsHarness()
    const a = h.provider(1)
    h.uptime(a.nodeId, h.clock.now, h.clock.now + DAY)
    h.clock.now += DAY
    const first = h.epochs.close(h.clock.now)
    h.params.set('epoch_emission', '99', { setByProposal: null, now: h.clock.now })
    const second = h.epochs.close(h.clock.now)
    expect(second).toEqual(first)
    expect(h.epochs.recompute(1)).toEqual({ reportHash: first.reportHash, merkleRoot: first.merkleRoot })
    expect(h.sqlite.prepare('select count(*) as n from payouts').get()).toEqual({ n: 1 })
    expect(h.invariants()).toEqual([])
  })

  test('epochs missed during downtime are caught up in order, each once', () => {
    const h = createRewardsHarness()
    const a = h.provider(1)
    const start = h.clock.now
    h.uptime(a.nodeId, start, start + 3 * DAY)
    h.clock.now = start + 3 * DAY + 5000
    expect(h.epochs.closeDue().map((e) => [e.number, e.endsAt - start])).toEqual([
      [1, DAY],
      [2, 2 * DAY],
      [3, 3 * DAY],
    ])
    expect(h.epochs.closeDue()).toEqual([])
    expect(h.sqlite.prepare('select count(*) as n from payouts').get()).toEqual({ n: 3 })
  })

  test('totals under the minimum payout carry over to the next epoch', () => {
    const h = createRewardsHarness()
    h.params.set('epoch_emission', '0.5', { setByProposal: null, now: h.clock.now })
    const a = h.provider(1)
    h.uptime(a.nodeId, h.clock.now, h.clock.now + 2 * DAY)
    h.clock.now += 2 * DAY
    const [first, second] = h.epochs.closeDue()
    const report1 = JSON.parse(first!.report)
    const report2 = JSON.parse(second!.report)
    expect(report1.providers[0]).toMatchObject({ paid: false, carriedOut: (TOKEN / 2n).toString() })
    expect(report2.providers[0]).toMatchObject({ paid: true, carriedIn: (TOKEN / 2n).toString(), total: TOKEN.toString() })
    expect(h.invariants()).toEqual([])
  })

  test('an epoch with no providers closes with an empty tree', () => {
    const h = createRewardsHarness()
    h.clock.now += DAY
    const [epoch] = h.epochs.closeDue()
    expect(JSON.parse(epoch!.report)).toMatchObject({ providers: [], nodes: [], dust: (50_000n * TOKEN).toString() })
    expect(epoch!.merkleRoot).toBe(`0x${'0'.repeat(64)}`)
  })

  test('the renewable multiplier needs a node that claims it and a current attestation', () => {
    const h = createRewardsHarness()
    const start = h.clock.now
    const green = h.provider(1, { energy: { renewable: true } })
    const claimsOnly = h.provider(2, { energy: { renewable: true }, nodeKey: 'b' })
    h.sqlite
      .prepare("insert into renewable_attestations (provider_id, source, reference, evidence_hash, provider_signature, valid_until, created_at) select id, 'solar', 'GO-1', '0x00', '0x00', ?, 0 from providers where address = ?")
      .run(start + 2 * DAY, green.address)
    h.uptime(green.nodeId, start, start + DAY)
    h.uptime(claimsOnly.nodeId, start, start + DAY)
    h.clock.now += DAY
    const [epoch] = h.epochs.closeDue()
    const report = JSON.parse(epoch!.report)
    expect(report.nodes.map((n: { nodeId: string; renewable: boolean }) => [n.nodeId, n.renewable]).sort()).toEqual(
      [
        [green.nodeId, true],
        [claimsOnly.nodeId, false],
      ].sort(),
    )
    const [a, b] = report.providers.map((p: { score: string }) => BigInt(p.score))
    expect((a * 100n) / b).toBe(120n)
  })

  test('a reward payout that failed on-chain is paid with the next epoch', () => {
    const h = createRewardsHarness()
    const a = h.provider(1)
    h.uptime(a.nodeId, h.clock.now, h.clock.now + 2 * DAY)
    h.clock.now += DAY
    const [first] = h.epochs.closeDue()
    const failed = h.sqlite.prepare("select id, amount from payouts where batch_id = 'epoch:1'").get() as { id: string; amount: string }
    // What the payout sender does when the transfer reverts: the amount goes back to earnings.
    h.sqlite.prepare("update payouts set status = 'failed' where id = ?").run(failed.id)
    h.ledger.post({
      kind: 'payout.failed',
      idempotencyKey: `payout.failed:${failed.id}`,
      entries: [
        { key: 'system:payouts_pending', amount: -BigInt(failed.amount) },
        { key: `account:${a.accountId}:earnings`, amount: BigInt(failed.amount) },
      ],
      now: h.clock.now,
    })
    h.clock.now += DAY
    const [second] = h.epochs.closeDue()
    const statement = JSON.parse(second!.report).providers[0]
    expect(BigInt(statement.carriedIn)).toBe(BigInt(failed.amount))
    expect(BigInt(statement.total)).toBe(BigInt(statement.carriedIn) + BigInt(statement.emission))
    expect(h.sqlite.prepare('select id, status from payouts order by id').all()).toEqual([
      { id: failed.id, status: 'carried' },
      { id: `e2-${statement.providerId}`, status: 'pending' },
    ])
    expect(h.epochs.recompute(2)).toEqual({ reportHash: second!.reportHash, merkleRoot: second!.merkleRoot })
    expect(h.epochs.recompute(1)).toEqual({ reportHash: first!.reportHash, merkleRoot: first!.merkleRoot })
    expect(h.ledger.earningsOf(a.accountId)).toBe(0n)
    expect(h.invariants()).toEqual([])
  })

  test('an epoch over 40,000 nodes closes: no statement binds one SQL variable per node, provider or payout', () => {
    const HOUR = 3600_000
    const h = createRewardsHarness({ epochCron: '0 * * * *' })
    const start = h.clock.now
    h.params.set('epoch_emission', '1000000', { setByProposal: null, now: start })
    insertNetwork(h.sqlite, { nodes: 40_000, gpusPerNode: 2, now: start, uptime: { from: start, to: start + HOUR } })
    // 40,000 failed reward payouts (of nothing) to be carried: the carried-payout update sees every id.
    h.sqlite.exec("with recursive seq(i) as (select 1 union all select i + 1 from seq where i < 40000) insert into payouts (id, kind, account_id, to_address, amount, status, created_at) select 'e0-' || i, 'reward', i, printf('0x%040x', i), '0', 'failed', 0 from seq")
    h.clock.now = start + HOUR
    const [epoch] = h.epochs.closeDue()
    expect(epoch).toMatchObject({ number: 1, endsAt: start + HOUR })
    const count = (query: string) => (h.sqlite.prepare(query).get() as { n: number }).n
    expect(count('select count(*) as n from epoch_statements')).toBe(40_000)
    expect(count("select count(*) as n from payouts where status = 'carried'")).toBe(40_000)
    expect(count("select count(*) as n from payouts where status = 'pending' and batch_id = 'epoch:1'")).toBe(40_000)
    const report = JSON.parse(epoch!.report)
    expect(report.nodes).toHaveLength(40_000)
    const emitted = report.providers.reduce((sum: bigint, p: { emission: string }) => sum + BigInt(p.emission), 0n)
    expect(emitted + BigInt(report.dust)).toBe(1_000_000n * TOKEN)
    // Node 5 (model 0, H100, weight 10) against node 7 (model 2, RTX 4090, weight 1.25), same uptime: 8×.
    const score = (id: number) => BigInt(report.providers[id - 1].score)
    expect(score(5)).toBe(score(7) * 8n)
    expect(h.invariants()).toEqual([])
  }, 60_000)

  describe('only proven capacity earns', () => {
    const HOUR = 3600_000
    const emissionOf = (report: { providers: { providerId: number; emission: string }[] }, providerId: number) => BigInt(report.providers.find((p) => p.providerId === providerId)!.emission)
    const providerIdOf = (h: ReturnType<typeof createRewardsHarness>, address: string) => (h.sqlite.prepare('select id from providers where address = ?').get(address) as { id: number }).id

    test('attack: unverified or unbonded nodes heartbeat all epoch and earn nothing; the honest node takes the whole emission', () => {
      const h = createRewardsHarness({ epochCron: '0 * * * *' })
      const start = h.clock.now
      const honest = h.provider(1)
      // 16 "H200"s (the most one node may declare), never verified, never bonded
      const sybil = h.provider(2, { nodeKey: 'sybil', gpus: [{ name: 'H200-141GB', memoryMb: 144384, count: 16 }] }, { trusted: false })
      // verified, but no bond behind it
      const unbonded = h.provider(3, { nodeKey: 'unbonded' }, { trusted: false })
      h.verify(unbonded.nodeId)
      h.heartbeats([honest, sybil, unbonded], start + HOUR)
      // Payouts go only to wallets older than the security hold (tested below): these are.
      h.sqlite.prepare('update wallets set linked_at = linked_at - ?').run(48 * HOUR)
      expect(h.sqlite.prepare('select node_id as node, count(*) as buckets, sum(gpus) as gpus from uptime_buckets group by node_id order by node_id').all()).toEqual(
        [
          { node: honest.nodeId, buckets: 12, gpus: 24 },
          { node: sybil.nodeId, buckets: 12, gpus: 0 },
          { node: unbonded.nodeId, buckets: 12, gpus: 0 },
        ].sort((a, b) => (a.node < b.node ? -1 : 1)),
      )
      const [epoch] = h.epochs.closeDue()
      const report = JSON.parse(epoch!.report)
      expect(emissionOf(report, providerIdOf(h, honest.address))).toBe(50_000n * TOKEN)
      expect(emissionOf(report, providerIdOf(h, sybil.address))).toBe(0n)
      expect(emissionOf(report, providerIdOf(h, unbonded.address))).toBe(0n)
      expect(h.sqlite.prepare('select to_address as address, amount from payouts').all()).toEqual([{ address: honest.address, amount: (50_000n * TOKEN).toString() }])
      expect(h.invariants()).toEqual([])
    })

    test('attack: a provider wallet linked less than the security hold ago, or a frozen account, is carried, not paid', () => {
      const h = createRewardsHarness({ epochCron: '0 * * * *' })
      const start = h.clock.now
      const fresh = h.provider(1)
      const frozen = h.provider(2, { nodeKey: 'frozen' })
      const settled = h.provider(3, { nodeKey: 'settled' })
      h.sqlite.prepare('update wallets set linked_at = linked_at - ? where address in (?, ?)').run(48 * HOUR, frozen.address, settled.address)
      h.sqlite.prepare('update accounts set frozen_at = ? where id = (select account_id from wallets where address = ?)').run(start, frozen.address)
      h.heartbeats([fresh, frozen, settled], start + HOUR)
      const [epoch] = h.epochs.closeDue()
      const report = JSON.parse(epoch!.report) as { providers: { providerId: number; paid: boolean; carriedOut: string; total: string }[] }
      const byId = (address: string) => report.providers.find((p) => p.providerId === providerIdOf(h, address))!
      expect([byId(fresh.address).paid, byId(frozen.address).paid, byId(settled.address).paid]).toEqual([false, false, true])
      expect(byId(fresh.address).carriedOut).toBe(byId(fresh.address).total)
      expect(h.sqlite.prepare('select to_address as address from payouts').all()).toEqual([{ address: settled.address }])
      // The same report comes back from the database: the decision is part of it.
      expect(h.epochs.recompute(epoch!.number)).toEqual({ reportHash: epoch!.reportHash, merkleRoot: epoch!.merkleRoot })
      expect(h.invariants()).toEqual([])
    })

    test('uptime counts min(declared, verified) GPUs even on a listed node: 8 declared, 2 verified earns as an honest 2-GPU node', () => {
      const h = createRewardsHarness({ epochCron: '0 * * * *' })
      const start = h.clock.now
      const inflated = h.provider(1, { gpus: [{ name: 'NVIDIA H100 80GB HBM3', memoryMb: 81559, count: 8 }] })
      // Listed for 8, then its proof shrinks to 2 without a listing refresh: the bucket rule alone must hold the line.
      h.sqlite.prepare('update nodes set verified_gpus = 2 where id = ?').run(inflated.nodeId)
      expect(h.sqlite.prepare('select listed from nodes where id = ?').get(inflated.nodeId)).toEqual({ listed: 1 })
      const honest = h.provider(2, { nodeKey: 'honest' })
      h.heartbeats([inflated, honest], start + HOUR)
      const [epoch] = h.epochs.closeDue()
      const report = JSON.parse(epoch!.report)
      expect(emissionOf(report, providerIdOf(h, inflated.address))).toBe(25_000n * TOKEN)
      expect(emissionOf(report, providerIdOf(h, honest.address))).toBe(25_000n * TOKEN)
      const inflatedNode = report.nodes.find((n: { nodeId: string }) => n.nodeId === inflated.nodeId)
      expect(inflatedNode.result).toMatchObject({ verifiedGpuHours: 2, servedGpuHours: 0, buckets: 12 })
    })

    test('served GPU-hours earn 2× idle ones: a fully rented 2-GPU node gets 2/3 of the emission against an idle one', () => {
      const h = createRewardsHarness({ epochCron: '0 * * * *' })
      const start = h.clock.now
      const rented = h.provider(1, { pricePerGpuHour: '1' })
      const idle = h.provider(2, { nodeKey: 'idle', pricePerGpuHour: '3' })
      const renter = h.renter('alice', 10)
      const quote = h.rentals.quote({ accountId: renter, model: 'H100-80GB', hours: 2, gpuCount: 2 })
      expect(quote.nodeId).toBe(rented.nodeId)
      const rental = h.rentals.confirm({ accountId: renter, quote: { ...quote, pricePerGpuHour: quote.pricePerGpuHour.toString() } })
      h.rentals.reportRunning(rented.address, rental.id, { host: 'x' })
      h.heartbeats([rented, idle], start + HOUR)
      expect(h.sqlite.prepare('select node_id as node, sum(gpus) as gpus, sum(rented_gpus) as rented from uptime_hours group by node_id order by node_id').all()).toEqual(
        [
          { node: rented.nodeId, gpus: 24, rented: 24 },
          { node: idle.nodeId, gpus: 24, rented: 0 },
        ].sort((a, b) => (a.node < b.node ? -1 : 1)),
      )
      const [epoch] = h.epochs.closeDue()
      const report = JSON.parse(epoch!.report)
      // 24 served GPU-buckets × 2 against 24 idle ones: shares 2/3 and 1/3 of 50,000 GRID, rounded down
      expect(emissionOf(report, providerIdOf(h, rented.address))).toBe((50_000n * TOKEN * 2n) / 3n)
      expect(emissionOf(report, providerIdOf(h, idle.address))).toBe((50_000n * TOKEN) / 3n)
      expect(report.nodes.find((n: { nodeId: string }) => n.nodeId === rented.nodeId).result).toMatchObject({ verifiedGpuHours: 2, servedGpuHours: 2 })
    })
  })
})
