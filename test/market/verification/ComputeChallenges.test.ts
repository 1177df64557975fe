import { randomBytes } from 'node:crypto'
import { eq } from 'drizzle-orm'
import { privateKeyToAccount } from 'viem/accounts'
import { describe, expect, test } from 'vitest'
import { nodeChallenges, nodes } from '../../../src/db/schema/market.ts'
import { notifications } from '../../../src/db/schema/outbox.ts'
import { bondPerGpu } from '../../../src/market/ProviderListing.ts'
import { expectedChallengeMs, measuredSpeedBps, SIMULATED_CHALLENGE_SIZE } from '../../../src/market/verification/challengeTiming.ts'
import { ComputeChallenges, SIMULATED_REFUSED, WITHDRAWN } from '../../../src/market/verification/ComputeChallenges.ts'
import { sharedMatrixSeed } from '../../../src/protocol/challengeMatrices.ts'
import { createMarketHarness } from '../../support/marketHarness.ts'
import { userError } from '../../support/userError.ts'
import { prover } from './challengeProver.ts'

const HOUR = 3600_000

function setup({ simulatedAllowed = true, gpus = 2 } = {}) {
  const h = createMarketHarness({ simulatedAllowed })
  const frauds: [string, string, string][] = []
  const challenges = new ComputeChallenges({
    db: h.db,
    params: h.params,
    listing: h.listing,
    clock: () => h.clock.now,
    randomBytes,
    simulatedAllowed,
    onFraud: (...args) => void frauds.push(args),
  })
  const { address, nodeId, accountId } = h.provider(1, { gpus: [{ name: 'H100-80GB', memoryMb: 81920, count: gpus }], simulated: true }, { trusted: false })
  const bondAll = () => {
    const amount = bondPerGpu(h.params, h.units) * BigInt(gpus)
    h.fund(accountId, amount)
    h.bonds.bond({ accountId, amount })
  }
  const node = () => h.db.select().from(nodes).where(eq(nodes.id, nodeId)).get()!
  const challengeRow = (id: string) => h.db.select().from(nodeChallenges).where(eq(nodeChallenges.id, id)).get()!
  return { h, challenges, frauds, address, nodeId, accountId, bondAll, node, challengeRow }
}

/** Registers, runs the first challenge honestly and returns the world after it passed. */
function verified(s: ReturnType<typeof setup>) {
  const order = s.challenges.afterRegister(s.nodeId)!
  const p = prover(order)
  const committed = s.challenges.commit(s.address, s.nodeId, order.id, { roots: p.roots })
  expect(p.revealAll(committed, (body) => s.challenges.reveal(s.address, s.nodeId, order.id, body))).toEqual({ status: 'passed' })
  return order
}

describe('compute challenges', () => {
  test('an honest node is challenged at registration, verifies, and is then listed once bonded', () => {
    const s = setup()
    s.bondAll()
    const issuedAt = s.h.clock.now
    const order = s.challenges.afterRegister(s.nodeId)!
    expect(order).toEqual({ id: expect.stringMatching(/^c[a-z2-9]{6}$/), seed: expect.stringMatching(/^[0-9a-f]{64}$/), matrixSeed: sharedMatrixSeed(issuedAt), size: SIMULATED_CHALLENGE_SIZE, gpus: 2, commitBy: issuedAt + 60_000 + 1 })
    expect(s.node()).toMatchObject({ verification: 'pending', listed: false })

    s.h.clock.now += 1_500
    const p = prover(order)
    const committed = s.challenges.commit(s.address, s.nodeId, order.id, { roots: p.roots })
    expect(committed).toEqual({
      status: 'committed',
      open: [
        { gpu: 0, rows: expect.any(Array) },
        { gpu: 1, rows: expect.any(Array) },
      ],
      revealBy: s.h.clock.now + 120_000,
    })
    for (const { rows } of committed.open!) expect(new Set(rows).size).toBe(8)
    expect(s.challenges.reveal(s.address, s.nodeId, order.id, p.reveal(0, committed.open![0]!.rows))).toEqual({ status: 'committed' })
    expect(s.challenges.reveal(s.address, s.nodeId, order.id, p.reveal(1, committed.open![1]!.rows))).toEqual({ status: 'passed' })

    const node = s.node()
    expect(node).toMatchObject({
      verification: 'verified',
      verifiedAt: s.h.clock.now,
      verifiedGpus: 2,
      measuredSpeedBps: measuredSpeedBps(expectedChallengeMs(64, 350), 1_500),
      verificationFailure: null,
      listed: true,
    })
    expect(node.nextChallengeAt).toBeGreaterThanOrEqual(s.h.clock.now + 3 * HOUR)
    expect(node.nextChallengeAt).toBeLessThanOrEqual(s.h.clock.now + 6 * HOUR)
    expect(s.challengeRow(order.id)).toMatchObject({ status: 'passed', committedAt: issuedAt + 1_500, failureReason: null })
    expect(s.h.market.search({})[0]).toMatchObject({ model: 'H100-80GB', freeGpus: 2 })
    expect(s.frauds).toEqual([])
  })

  test('measured speed is expected over measured time in basis points', () => {
    expect(expectedChallengeMs(8192, 400)).toBeCloseTo(2.749, 3)
    expect(measuredSpeedBps(expectedChallengeMs(8192, 400), 5.4978)).toBe(5000)
    // At the production size the GPU's share is sub-millisecond: a 2 s round trip reads as 2 bps.
    expect(measuredSpeedBps(expectedChallengeMs(4096, 350), 2_000)).toBe(2)
  })

  test('error: a node whose committed product is wrong is caught at opening', () => {
    const s = setup()
    const order = s.challenges.afterRegister(s.nodeId)!
    // A wrong matrix, committed consistently: every proof is valid, the rows are not the product.
    const p = prover(order, { tamper: (gpu, _row, values) => void (gpu === 1 && (values[0]! += 1)) })
    const committed = s.challenges.commit(s.address, s.nodeId, order.id, { roots: p.roots })
    expect(s.challenges.reveal(s.address, s.nodeId, order.id, p.reveal(0, committed.open![0]!.rows))).toEqual({ status: 'committed' })
    const row = committed.open![1]!.rows[0]!
    expect(s.challenges.reveal(s.address, s.nodeId, order.id, p.reveal(1, committed.open![1]!.rows))).toEqual({
      status: 'failed',
      reason: `The challenge failed: row ${row} of GPU 1 is not the product of the challenge matrices.`,
    })
    expect(s.node()).toMatchObject({ verification: 'failed', verificationFailure: `row ${row} of GPU 1 is not the product of the challenge matrices`, verifiedGpus: 0, listed: false, nextChallengeAt: s.h.clock.now + HOUR })
    // First failure of a pending node: not fraud.
    expect(s.frauds).toEqual([])
  })

  test('error: a revealed row that differs from the committed one fails its proof', () => {
    const s = setup()
    const order = s.challenges.afterRegister(s.nodeId)!
    const p = prover(order)
    const committed = s.challenges.commit(s.address, s.nodeId, order.id, { roots: p.roots })
    const body = p.reveal(0, committed.open![0]!.rows)
    const honest = prover(order, { tamper: (_gpu, _row, values) => void (values[3]! -= 2) })
    body.rows[2]!.values = honest.rows[0]![body.rows[2]!.row]!.toString('base64')
    expect(s.challenges.reveal(s.address, s.nodeId, order.id, body).reason).toBe(`The challenge failed: row ${body.rows[2]!.row} of GPU 0 does not match its commitment.`)
  })

  test('error: a late commitment fails', () => {
    const s = setup()
    const order = s.challenges.afterRegister(s.nodeId)!
    s.h.clock.now = order.commitBy + 1
    expect(s.challenges.commit(s.address, s.nodeId, order.id, { roots: prover(order).roots })).toEqual({ status: 'failed', reason: 'The challenge failed: the commitment arrived 1 s after the deadline.' })
    expect(s.node()).toMatchObject({ verification: 'failed', verificationFailure: 'the commitment arrived 1 s after the deadline' })
    // The provider is told why, in a message.
    expect(s.h.db.select({ accountId: notifications.accountId, reply: notifications.reply }).from(notifications).where(eq(notifications.dedupeKey, `node.challenge-failed:${order.id}`)).get()).toEqual({
      accountId: s.accountId,
      reply: JSON.stringify({ text: `Node ${s.nodeId} failed its compute challenge (the commitment arrived 1 s after the deadline); it is not listed until it passes one. The next one comes in 60 minutes.` }),
    })
  })

  describe('error: claiming 4 GPUs but computing on 3', () => {
    test('one root missing', () => {
      const s = setup({ gpus: 4 })
      const order = s.challenges.afterRegister(s.nodeId)!
      expect(order.gpus).toBe(4)
      expect(s.challenges.commit(s.address, s.nodeId, order.id, { roots: prover(order, { gpus: 3 }).roots }).reason).toBe(
        'The challenge failed: 3 GPU commitments for 4 GPUs: fewer working GPUs than claimed.',
      )
    })

    test('one root duplicated', () => {
      const s = setup({ gpus: 4 })
      const order = s.challenges.afterRegister(s.nodeId)!
      const roots = prover(order, { gpus: 3 }).roots
      expect(s.challenges.commit(s.address, s.nodeId, order.id, { roots: [...roots, roots[0]!] }).reason).toBe(
        'The challenge failed: GPUs 0 and 3 committed the same product: fewer working GPUs than claimed.',
      )
    })

    test('one root garbage', () => {
      const s = setup({ gpus: 4 })
      const order = s.challenges.afterRegister(s.nodeId)!
      const p = prover(order)
      const roots = [...p.roots.slice(0, 3), `0x${'ee'.repeat(32)}`]
      const committed = s.challenges.commit(s.address, s.nodeId, order.id, { roots })
      const answer = p.revealAll(committed, (body) => s.challenges.reveal(s.address, s.nodeId, order.id, body))
      expect(answer.reason).toBe(`The challenge failed: row ${committed.open![3]!.rows[0]} of GPU 3 does not match its commitment.`)
      expect(s.node().verification).toBe('failed')
    })
  })

  test('a verified node that later fails is reported as fraud; expiry is the scheduler sweep', () => {
    const s = setup()
    s.bondAll()
    verified(s)
    expect(s.node().listed).toBe(true)
    s.h.clock.now = s.node().nextChallengeAt!
    const second = s.challenges.orderFor(s.nodeId)!
    expect(second.id).not.toBe(undefined)
    // The same open challenge is handed out again until answered: one per node.
    expect(s.challenges.orderFor(s.nodeId)).toEqual(second)
    s.h.clock.now = second.commitBy
    expect(s.challenges.expireDue()).toBe(0)
    s.h.clock.now += 1
    expect(s.challenges.expireDue()).toBe(1)
    expect(s.frauds).toEqual([[s.nodeId, 'no commitment arrived before the deadline', second.id]])
    expect(s.node()).toMatchObject({ verification: 'failed', listed: false })
    expect(s.h.market.search({})).toEqual([])
  })

  test('error: a commitment that is never followed by its rows expires', () => {
    const s = setup()
    const order = s.challenges.afterRegister(s.nodeId)!
    s.challenges.commit(s.address, s.nodeId, order.id, { roots: prover(order).roots })
    expect(s.challenges.orderFor(s.nodeId)).toBeUndefined()
    s.h.clock.now += 120_001
    expect(s.challenges.expireDue()).toBe(1)
    expect(s.challengeRow(order.id)).toMatchObject({ status: 'failed', failureReason: 'the opened rows were not revealed in time' })
  })

  test("error: another provider's node is forbidden; a second commitment conflicts", () => {
    const s = setup()
    const order = s.challenges.afterRegister(s.nodeId)!
    const mallory = privateKeyToAccount(`0x${'b2'.repeat(32)}`).address
    const roots = prover(order).roots
    expect(() => s.challenges.commit(mallory, s.nodeId, order.id, { roots })).toThrowError(userError(`Node ${s.nodeId} does not belong to this provider.`))
    expect(s.challengeRow(order.id).status).toBe('issued')
    expect(s.challenges.commit(s.address, s.nodeId, order.id, { roots }).status).toBe('committed')
    expect(() => s.challenges.commit(s.address, s.nodeId, order.id, { roots: [...roots].reverse() })).toThrowError(userError(`Challenge ${order.id} is committed; this step needs it issued.`))
    expect(() => s.challenges.commit(s.address, s.nodeId, 'cnope22', { roots })).toThrowError(userError("Challenge cnope22 is not one of this node's."))
  })

  test('SIMULATED_PROVIDERS=deny: a simulated node is never challenged nor verified', () => {
    const s = setup({ simulatedAllowed: false })
    s.bondAll()
    expect(s.challenges.afterRegister(s.nodeId)).toBeUndefined()
    expect(s.node()).toMatchObject({ verification: 'failed', verificationFailure: SIMULATED_REFUSED, nextChallengeAt: null, listed: false })
    s.h.db.update(nodes).set({ nextChallengeAt: s.h.clock.now }).where(eq(nodes.id, s.nodeId)).run()
    expect(s.challenges.orderFor(s.nodeId)).toBeUndefined()
    expect(s.h.db.select().from(nodeChallenges).all()).toEqual([])
  })

  test('GPUs serving rentals are never challenged: only free ones, and a fully rented node waits', () => {
    const s = setup()
    s.bondAll()
    verified(s)
    const renter = s.h.renter('alice')
    const quote = s.h.rentals.quote({ accountId: renter, model: 'H100-80GB', hours: 1, gpuCount: 1 })
    s.h.rentals.confirm({ accountId: renter, quote: { ...quote, pricePerGpuHour: quote.pricePerGpuHour.toString() } })
    s.h.clock.now = s.node().nextChallengeAt!
    const order = s.challenges.orderFor(s.nodeId)!
    expect(order.gpus).toBe(1)
    const p = prover(order)
    const committed = s.challenges.commit(s.address, s.nodeId, order.id, { roots: p.roots })
    expect(p.revealAll(committed, (body) => s.challenges.reveal(s.address, s.nodeId, order.id, body))).toEqual({ status: 'passed' })
    // The rented GPU is still vouched for by the previous (current) challenge.
    expect(s.node().verifiedGpus).toBe(2)

    const again = s.h.rentals.quote({ accountId: renter, model: 'H100-80GB', hours: 1, gpuCount: 1 })
    s.h.rentals.confirm({ accountId: renter, quote: { ...again, pricePerGpuHour: again.pricePerGpuHour.toString() } })
    s.h.clock.now = s.node().nextChallengeAt!
    expect(s.challenges.orderFor(s.nodeId)).toBeUndefined()
  })

  test('a deregistering agent abandons its challenge: not fraud, but it must verify again', () => {
    const s = setup()
    s.bondAll()
    verified(s)
    s.h.clock.now = s.node().nextChallengeAt!
    const order = s.challenges.orderFor(s.nodeId)!
    s.challenges.withdraw(s.nodeId)
    expect(s.challengeRow(order.id)).toMatchObject({ status: 'failed', failureReason: WITHDRAWN })
    expect(s.node()).toMatchObject({ verification: 'pending', verifiedGpus: 0, listed: false, nextChallengeAt: s.h.clock.now })
    expect(s.frauds).toEqual([])
    // Back again: challenged at once.
    const next = s.challenges.afterRegister(s.nodeId)!
    expect(next.id).toEqual(expect.stringMatching(/^c/))
    // Failing it is fraud all the same: deregistering did not shed the verified status.
    s.h.clock.now = next.commitBy + 1
    s.challenges.expireDue()
    expect(s.frauds).toEqual([[s.nodeId, 'no commitment arrived before the deadline', next.id]])
  })
})

test('a commitment sent again (its answer lost) gets the same rows; different roots are refused', () => {
  const s = setup()
  const order = s.challenges.afterRegister(s.nodeId)!
  const p = prover(order)
  const first = s.challenges.commit(s.address, s.nodeId, order.id, { roots: p.roots })
  s.h.clock.now += 5
  expect(s.challenges.commit(s.address, s.nodeId, order.id, { roots: p.roots })).toEqual(first)
  s.challenges.reveal(s.address, s.nodeId, order.id, p.reveal(0, first.open![0]!.rows))
  expect(s.challenges.commit(s.address, s.nodeId, order.id, { roots: p.roots })).toEqual({ ...first, open: [first.open![1]] })
  expect(() => s.challenges.commit(s.address, s.nodeId, order.id, { roots: [...p.roots].reverse() })).toThrowError(userError(`Challenge ${order.id} is committed; this step needs it issued.`))
})
