import { randomBytes } from 'node:crypto'
import { eq } from 'drizzle-orm'
import { privateKeyToAccount } from 'viem/accounts'
import { describe, expect, test } from 'vitest'
import { nodeChallenges, nodes } from '../../../src/db/schema/market.ts'
import { notifications } from '../../../src/db/schema/outbox.ts'
import { bondPerGpu } from '../../../src/market/ProviderListing.ts'
import { expectedChallengeMs, measuredSpeedBps, productionRounds, SIMULATED_CHALLENGE_ROUNDS, SIMULATED_CHALLENGE_SIZE } from '../../../src/market/verification/challengeTiming.ts'
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
  /** The node's challenge from its registration (or the one due), with the runner ready. */
  const start = (order = challenges.afterRegister(nodeId)!) => ({ order, ready: challenges.ready(address, nodeId, order.id) })
  return { h, challenges, frauds, address, nodeId, accountId, bondAll, node, challengeRow, start }
}

/** Registers, runs the first challenge honestly and returns the world after it passed. */
function verified(s: ReturnType<typeof setup>) {
  const { order, ready } = s.start()
  const p = prover(order, ready)
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
    // No seed yet: the runner starts and expands B before the timed window.
    expect(order).toEqual({ id: expect.stringMatching(/^c[a-z2-9]{6}$/), matrixSeed: sharedMatrixSeed(issuedAt), size: SIMULATED_CHALLENGE_SIZE, rounds: SIMULATED_CHALLENGE_ROUNDS, gpus: 2, readyBy: issuedAt + 60_000 })
    expect(s.node()).toMatchObject({ verification: 'pending', listed: false })

    s.h.clock.now += 40_000
    const ready = s.challenges.ready(s.address, s.nodeId, order.id)
    // The window: the work at the claimed model's speed with the margin (under 1 ms here), plus 2 s and 250 ms per GPU.
    expect(ready).toEqual({ status: 'ready', seed: expect.stringMatching(/^[0-9a-f]{64}$/), commitBy: issuedAt + 40_000 + 1 + 2_000 + 2 * 250 })
    // Asked again (the answer was lost): the same seed and deadline.
    expect(s.challenges.ready(s.address, s.nodeId, order.id)).toEqual(ready)
    s.h.clock.now += 1_500
    const p = prover(order, ready)
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
      // Timed from the seed, not from the order: start-up is not the node's speed.
      measuredSpeedBps: measuredSpeedBps(expectedChallengeMs(64, 350) * SIMULATED_CHALLENGE_ROUNDS, 1_500),
      verificationFailure: null,
      listed: true,
    })
    expect(node.nextChallengeAt).toBeGreaterThanOrEqual(s.h.clock.now + 3 * HOUR)
    expect(node.nextChallengeAt).toBeLessThanOrEqual(s.h.clock.now + 6 * HOUR)
    expect(s.challengeRow(order.id)).toMatchObject({ status: 'passed', readyAt: issuedAt + 40_000, committedAt: issuedAt + 41_500, failureReason: null })
    expect(s.h.market.search({})[0]).toMatchObject({ model: 'H100-80GB', freeGpus: 2 })
    expect(s.frauds).toEqual([])
  })

  test('measured speed is expected over measured time in basis points', () => {
    expect(expectedChallengeMs(8192, 400)).toBeCloseTo(2.749, 3)
    expect(measuredSpeedBps(expectedChallengeMs(8192, 400), 5.4978)).toBe(5000)
    // Real GPUs: enough rounds for about 2 s of the claimed model's work, at most 32.
    expect(productionRounds(5)).toBe(10)
    expect(productionRounds(400)).toBe(32)
  })

  test('error: a node whose committed product is wrong is caught at opening', () => {
    const s = setup()
    const { order, ready } = s.start()
    // A wrong matrix, committed consistently: every proof is valid, the rows are not the product.
    const p = prover(order, ready, { tamper: (gpu, _row, values, round) => void (gpu === 1 && round === order.rounds - 1 && (values[0]! += 1)) })
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

  test('error: a forged earlier round fails even when the committed row is right', () => {
    const s = setup()
    const { order, ready } = s.start()
    const p = prover(order, ready, { tamper: (_gpu, _row, values, round) => void (round === 0 && (values[5]! += 16)) })
    const committed = s.challenges.commit(s.address, s.nodeId, order.id, { roots: p.roots })
    const row = committed.open![0]!.rows[0]!
    // +16 keeps the next round's left row (low four bits) the same: only the check of round 0 itself can catch it.
    expect(s.challenges.reveal(s.address, s.nodeId, order.id, p.reveal(0, committed.open![0]!.rows)).reason).toBe(`The challenge failed: row ${row} of GPU 0 is not the product of the challenge matrices.`)
  })

  test('error: a reveal with a missing round fails; a row that was not opened is refused', () => {
    const s = setup()
    const { order, ready } = s.start()
    const p = prover(order, ready)
    const committed = s.challenges.commit(s.address, s.nodeId, order.id, { roots: p.roots })
    const opened = committed.open![0]!.rows
    const notOpened = [...Array(order.size).keys()].find((row) => !opened.includes(row))!
    expect(() => s.challenges.reveal(s.address, s.nodeId, order.id, p.reveal(0, [notOpened]))).toThrowError(userError(`Challenge ${order.id} is not awaiting row ${notOpened} of GPU 0; this step needs it awaiting it.`))
    const body = p.reveal(0, opened.slice(0, 1))
    body.rows[0]!.chain = []
    expect(s.challenges.reveal(s.address, s.nodeId, order.id, body).reason).toBe(`The challenge failed: row ${opened[0]} of GPU 0 came with 1 rounds, not 2.`)
  })

  test('opened rows may come in several requests', () => {
    const s = setup()
    const { order, ready } = s.start()
    const p = prover(order, ready)
    const committed = s.challenges.commit(s.address, s.nodeId, order.id, { roots: p.roots })
    for (const { gpu, rows } of committed.open!) {
      for (const [index, row] of rows.entries()) {
        const last = gpu === 1 && index === rows.length - 1
        expect(s.challenges.reveal(s.address, s.nodeId, order.id, p.reveal(gpu, [row]))).toEqual({ status: last ? 'passed' : 'committed' })
      }
    }
    expect(s.node().verification).toBe('verified')
  })

  test('error: a revealed row that differs from the committed one fails its proof', () => {
    const s = setup()
    const { order, ready } = s.start()
    const p = prover(order, ready)
    const committed = s.challenges.commit(s.address, s.nodeId, order.id, { roots: p.roots })
    const body = p.reveal(0, committed.open![0]!.rows)
    const honest = prover(order, ready, { tamper: (_gpu, _row, values, round) => void (round === order.rounds - 1 && (values[3]! -= 2)) })
    body.rows[2]!.values = honest.rows[0]![body.rows[2]!.row]!.toString('base64')
    expect(s.challenges.reveal(s.address, s.nodeId, order.id, body).reason).toBe(`The challenge failed: row ${body.rows[2]!.row} of GPU 0 does not match its commitment.`)
  })

  test('error: a late commitment fails', () => {
    const s = setup()
    const { order, ready } = s.start()
    s.h.clock.now = ready.commitBy! + 1
    expect(s.challenges.commit(s.address, s.nodeId, order.id, { roots: prover(order, ready).roots })).toEqual({ status: 'failed', reason: 'The challenge failed: the commitment arrived 1 s after the deadline.' })
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
      const { order, ready } = s.start()
      expect(order.gpus).toBe(4)
      expect(s.challenges.commit(s.address, s.nodeId, order.id, { roots: prover(order, ready, { gpus: 3 }).roots }).reason).toBe(
        'The challenge failed: 3 GPU commitments for 4 GPUs: fewer working GPUs than claimed.',
      )
    })

    test('one root duplicated', () => {
      const s = setup({ gpus: 4 })
      const { order, ready } = s.start()
      const roots = prover(order, ready, { gpus: 3 }).roots
      expect(s.challenges.commit(s.address, s.nodeId, order.id, { roots: [...roots, roots[0]!] }).reason).toBe(
        'The challenge failed: GPUs 0 and 3 committed the same product: fewer working GPUs than claimed.',
      )
    })

    test('one root garbage', () => {
      const s = setup({ gpus: 4 })
      const { order, ready } = s.start()
      const p = prover(order, ready)
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
    s.h.clock.now = second.readyBy
    expect(s.challenges.expireDue()).toBe(0)
    s.h.clock.now += 1
    expect(s.challenges.expireDue()).toBe(1)
    expect(s.frauds).toEqual([[s.nodeId, 'the runner was not ready before the deadline', second.id]])
    expect(s.node()).toMatchObject({ verification: 'failed', listed: false })
    expect(s.h.market.search({})).toEqual([])
  })

  test('error: a ready node that never commits expires at its commit deadline', () => {
    const s = setup()
    const { order, ready } = s.start()
    expect(s.challenges.orderFor(s.nodeId)).toBeUndefined()
    s.h.clock.now = ready.commitBy!
    expect(s.challenges.expireDue()).toBe(0)
    s.h.clock.now += 1
    expect(s.challenges.expireDue()).toBe(1)
    expect(s.challengeRow(order.id)).toMatchObject({ status: 'failed', failureReason: 'no commitment arrived before the deadline' })
  })

  test('error: a real (not simulated) node gets the production challenge: a CPU-speed commitment is late', () => {
    const h = createMarketHarness({ simulatedAllowed: false })
    const challenges = new ComputeChallenges({ db: h.db, params: h.params, listing: h.listing, clock: () => h.clock.now, randomBytes, simulatedAllowed: false })
    const { address, nodeId } = h.provider(2, { gpus: [{ name: 'H100-80GB', memoryMb: 81920, count: 2 }] }, { trusted: false })
    const order = challenges.afterRegister(nodeId)!
    expect(order).toMatchObject({ size: 8192, rounds: 32, gpus: 2, readyBy: h.clock.now + 60_000 })
    // Start-up is free: ready after 59 s still gets the seed.
    h.clock.now += 59_000
    const readyAt = h.clock.now
    const ready = challenges.ready(address, nodeId, order.id)
    // Worked by hand: 32 rounds × 2 × 8192³ = 3.518e13 operations at 350 TFLOPS = 100.5 ms; × 3 (margin) = 302 ms; + 2 s + 2 × 0.25 s.
    expect(ready.commitBy! - readyAt).toBe(2_802)
    h.clock.now = ready.commitBy! + 1_000
    expect(challenges.commit(address, nodeId, order.id, { roots: [`0x${'aa'.repeat(32)}`, `0x${'bb'.repeat(32)}`] }).reason).toBe('The challenge failed: the commitment arrived 1 s after the deadline.')
  })

  test('error: a runner ready after its deadline gets no seed', () => {
    const s = setup()
    const order = s.challenges.afterRegister(s.nodeId)!
    s.h.clock.now = order.readyBy + 2_000
    expect(s.challenges.ready(s.address, s.nodeId, order.id)).toEqual({ status: 'failed', reason: 'The challenge failed: the runner was ready 2 s after the deadline.' })
  })

  test('error: a commitment that is never followed by its rows expires', () => {
    const s = setup()
    const { order, ready } = s.start()
    s.challenges.commit(s.address, s.nodeId, order.id, { roots: prover(order, ready).roots })
    expect(s.challenges.orderFor(s.nodeId)).toBeUndefined()
    s.h.clock.now += 120_001
    expect(s.challenges.expireDue()).toBe(1)
    expect(s.challengeRow(order.id)).toMatchObject({ status: 'failed', failureReason: 'the opened rows were not revealed in time' })
  })

  test("error: another provider's node is forbidden; a second commitment conflicts", () => {
    const s = setup()
    const order = s.challenges.afterRegister(s.nodeId)!
    const mallory = privateKeyToAccount(`0x${'b2'.repeat(32)}`).address
    // Another provider can neither get the seed nor commit.
    expect(() => s.challenges.ready(mallory, s.nodeId, order.id)).toThrowError(userError(`Node ${s.nodeId} does not belong to this provider.`))
    expect(() => s.challenges.commit(mallory, s.nodeId, order.id, { roots: [`0x${'ee'.repeat(32)}`] })).toThrowError(userError(`Node ${s.nodeId} does not belong to this provider.`))
    expect(s.challengeRow(order.id)).toMatchObject({ status: 'issued', readyAt: null })
    // A commitment before the seed is refused: it cannot be the product.
    expect(() => s.challenges.commit(s.address, s.nodeId, order.id, { roots: [`0x${'ee'.repeat(32)}`, `0x${'dd'.repeat(32)}`] })).toThrowError(userError(`Challenge ${order.id} is issued; this step needs it ready.`))
    const ready = s.challenges.ready(s.address, s.nodeId, order.id)
    const roots = prover(order, ready).roots
    expect(s.challenges.commit(s.address, s.nodeId, order.id, { roots }).status).toBe('committed')
    expect(() => s.challenges.commit(s.address, s.nodeId, order.id, { roots: [...roots].reverse() })).toThrowError(userError(`Challenge ${order.id} is committed; this step needs it ready.`))
    expect(() => s.challenges.ready(s.address, s.nodeId, order.id)).toThrowError(userError(`Challenge ${order.id} is committed; this step needs it issued.`))
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
    const { order, ready } = s.start(s.challenges.orderFor(s.nodeId)!)
    expect(order.gpus).toBe(1)
    const p = prover(order, ready)
    const committed = s.challenges.commit(s.address, s.nodeId, order.id, { roots: p.roots })
    expect(p.revealAll(committed, (body) => s.challenges.reveal(s.address, s.nodeId, order.id, body))).toEqual({ status: 'passed' })
    // The rented GPU is still vouched for by the previous (current) challenge.
    expect(s.node().verifiedGpus).toBe(2)

    const again = s.h.rentals.quote({ accountId: renter, model: 'H100-80GB', hours: 1, gpuCount: 1 })
    s.h.rentals.confirm({ accountId: renter, quote: { ...again, pricePerGpuHour: again.pricePerGpuHour.toString() } })
    s.h.clock.now = s.node().nextChallengeAt!
    expect(s.challenges.orderFor(s.nodeId)).toBeUndefined()
  })

  test('GPUs rented while their proof lapsed are proven again within 10 minutes, not hours later', () => {
    const s = setup()
    s.bondAll()
    verified(s)
    const renter = s.h.renter('alice')
    const quote = s.h.rentals.quote({ accountId: renter, model: 'H100-80GB', hours: 12, gpuCount: 1 })
    const rental = s.h.rentals.confirm({ accountId: renter, quote: { ...quote, pricePerGpuHour: quote.pricePerGpuHour.toString() } })
    // Past the verification's lifetime (6 h + 1 h): the rented GPU's proof has lapsed.
    s.h.clock.now += 7 * HOUR + 1
    const { order, ready } = s.start(s.challenges.orderFor(s.nodeId)!)
    expect(order.gpus).toBe(1)
    const p = prover(order, ready)
    expect(p.revealAll(s.challenges.commit(s.address, s.nodeId, order.id, { roots: p.roots }), (body) => s.challenges.reveal(s.address, s.nodeId, order.id, body))).toEqual({ status: 'passed' })
    expect(s.node()).toMatchObject({ verifiedGpus: 1, nextChallengeAt: s.h.clock.now + 10 * 60_000 })
    // The rental ends; ten minutes later both GPUs are challenged and proven.
    s.h.rentals.stop({ accountId: renter, id: rental.id })
    s.h.clock.now += 10 * 60_000
    const both = s.start(s.challenges.orderFor(s.nodeId)!)
    expect(both.order.gpus).toBe(2)
    const q = prover(both.order, both.ready)
    expect(q.revealAll(s.challenges.commit(s.address, s.nodeId, both.order.id, { roots: q.roots }), (body) => s.challenges.reveal(s.address, s.nodeId, both.order.id, body))).toEqual({ status: 'passed' })
    expect(s.node().verifiedGpus).toBe(2)
    expect(s.node().nextChallengeAt).toBeGreaterThanOrEqual(s.h.clock.now + 3 * HOUR)
  })

  test('attack: GPUs kept rented are vouched for by one direct proof, never by a carry of a carry', () => {
    const s = setup({ gpus: 4 })
    s.bondAll()
    verified(s)
    expect(s.node().verifiedGpus).toBe(4)
    const renter = s.h.renter('alice', 10_000)
    const quote = s.h.rentals.quote({ accountId: renter, model: 'H100-80GB', hours: 48, gpuCount: 3 })
    s.h.rentals.confirm({ accountId: renter, quote: { ...quote, pricePerGpuHour: quote.pricePerGpuHour.toString() } })
    const passFreeGpu = () => {
      const { order, ready } = s.start(s.challenges.orderFor(s.nodeId)!)
      expect(order.gpus).toBe(1)
      const p = prover(order, ready)
      expect(p.revealAll(s.challenges.commit(s.address, s.nodeId, order.id, { roots: p.roots }), (body) => s.challenges.reveal(s.address, s.nodeId, order.id, body))).toEqual({ status: 'passed' })
    }
    // The next pass computes on the one free GPU; the 3 rented ones are carried from the 4-GPU proof.
    s.h.clock.now = s.node().nextChallengeAt!
    passFreeGpu()
    expect(s.node().verifiedGpus).toBe(4)
    // The pass after that can carry only what the 1-GPU pass proved: the rented GPUs need a proof of their own.
    s.h.clock.now = s.node().nextChallengeAt!
    passFreeGpu()
    expect(s.node().verifiedGpus).toBe(2)
    s.h.clock.now = s.node().nextChallengeAt!
    passFreeGpu()
    expect(s.node().verifiedGpus).toBe(2)
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
    s.h.clock.now = next.readyBy + 1
    s.challenges.expireDue()
    expect(s.frauds).toEqual([[s.nodeId, 'the runner was not ready before the deadline', next.id]])
  })
})

test('deadlines are inclusive: ready at readyBy, commit at commitBy and reveal at the reveal deadline all count', () => {
  const s = setup()
  const order = s.challenges.afterRegister(s.nodeId)!
  s.h.clock.now = order.readyBy
  // Still handed out at its deadline (a lost answer), and still accepted.
  expect(s.challenges.orderFor(s.nodeId)).toEqual(order)
  const ready = s.challenges.ready(s.address, s.nodeId, order.id)
  expect(ready.status).toBe('ready')
  s.h.clock.now = ready.commitBy!
  const p = prover(order, ready)
  const committed = s.challenges.commit(s.address, s.nodeId, order.id, { roots: p.roots })
  expect(committed.status).toBe('committed')
  // Nothing expires at exactly the reveal deadline; one millisecond later it would.
  s.h.clock.now = committed.revealBy!
  expect(s.challenges.expireDue()).toBe(0)
  expect(p.revealAll(committed, (body) => s.challenges.reveal(s.address, s.nodeId, order.id, body))).toEqual({ status: 'passed' })
  // Opened rows are distinct and in ascending order per GPU.
  for (const { rows } of committed.open!) expect(rows).toEqual([...new Set(rows)].sort((a, b) => a - b))
})

test('a node is not challenged again before it is due; a withdrawal voids a ready challenge too', () => {
  const s = setup()
  verified(s)
  expect(s.challenges.orderFor(s.nodeId)).toBeUndefined()
  s.h.clock.now = s.node().nextChallengeAt! - 1
  expect(s.challenges.orderFor(s.nodeId)).toBeUndefined()
  s.h.clock.now += 1
  const { order } = s.start(s.challenges.orderFor(s.nodeId)!)
  expect(s.challengeRow(order.id).status).toBe('ready')
  s.challenges.withdraw(s.nodeId)
  expect(s.challengeRow(order.id)).toMatchObject({ status: 'failed', failureReason: WITHDRAWN })
})

test('error: a reveal after its deadline fails; a round of the wrong length fails', () => {
  const s = setup()
  const { order, ready } = s.start()
  const p = prover(order, ready)
  const committed = s.challenges.commit(s.address, s.nodeId, order.id, { roots: p.roots })
  const body = p.reveal(0, committed.open![0]!.rows.slice(0, 1))
  body.rows[0]!.chain = [Buffer.alloc(12).toString('base64')]
  expect(s.challenges.reveal(s.address, s.nodeId, order.id, body).reason).toBe(`The challenge failed: row ${body.rows[0]!.row} of GPU 0 has a round of 12 bytes, not 256.`)

  const t = setup()
  const second = t.start()
  const q = prover(second.order, second.ready)
  const opened = t.challenges.commit(t.address, t.nodeId, second.order.id, { roots: q.roots })
  t.h.clock.now = opened.revealBy! + 1
  expect(t.challenges.reveal(t.address, t.nodeId, second.order.id, q.reveal(0, opened.open![0]!.rows)).reason).toBe('The challenge failed: the opened rows were revealed after the deadline.')
})

test('a commitment sent again (its answer lost) gets the same rows; different roots are refused', () => {
  const s = setup()
  const { order, ready } = s.start()
  const p = prover(order, ready)
  const first = s.challenges.commit(s.address, s.nodeId, order.id, { roots: p.roots })
  s.h.clock.now += 5
  expect(s.challenges.commit(s.address, s.nodeId, order.id, { roots: p.roots })).toEqual(first)
  s.challenges.reveal(s.address, s.nodeId, order.id, p.reveal(0, first.open![0]!.rows))
  expect(s.challenges.commit(s.address, s.nodeId, order.id, { roots: p.roots })).toEqual({ ...first, open: [first.open![1]] })
  expect(() => s.challenges.commit(s.address, s.nodeId, order.id, { roots: [...p.roots].reverse() })).toThrowError(userError(`Challenge ${order.id} is committed; this step needs it ready.`))
})
