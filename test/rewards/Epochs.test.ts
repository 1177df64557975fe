import { StandardMerkleTree } from '@openzeppelin/merkle-tree'
import { describe, expect, test } from 'vitest'
import { createRewardsHarness } from '../support/rewardsHarness.ts'
import { TOKEN } from '../support/marketHarness.ts'

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
})
