import { eq } from 'drizzle-orm'
import { describe, expect, test } from 'vitest'
import { nodeChallenges, nodeGpus, nodes, providers, type NodeChallenge } from '../../../src/db/schema/market.ts'
import { notifications } from '../../../src/db/schema/outbox.ts'
import { wallets } from '../../../src/db/schema/wallets.ts'
import { ChallengeVerdicts, WITHDRAWN } from '../../../src/market/verification/ChallengeVerdicts.ts'
import { slowestThroughput } from '../../../src/market/verification/challengeTiming.ts'
import { createMarketHarness } from '../../support/marketHarness.ts'

/** The verdicts alone, on challenge rows written as ComputeChallenges leaves them:
 *  each branch's inputs (timestamps, history, hooks) are set exactly. */

const HOUR = 3600_000
const MINUTE = 60_000

function world({ gpus = 2, hook = true, random = 0.25 } = {}) {
  const h = createMarketHarness()
  const { nodeId, accountId, address } = h.provider(1, { gpus: [{ name: 'H100-80GB', memoryMb: 81920, count: gpus }], simulated: true }, { trusted: false })
  const frauds: [string, string, string][] = []
  const verdicts = new ChallengeVerdicts({
    db: h.db,
    params: h.params,
    listing: h.listing,
    clock: () => h.clock.now,
    unitRandom: () => random,
    ...(hook ? { onFraud: (...args: [string, string, string]) => void frauds.push(args) } : {}),
  })
  let ids = 0
  /** A challenge row; by default committed now on every GPU. */
  const challenge = (row: Partial<NodeChallenge> = {}): NodeChallenge => {
    const now = h.clock.now
    const values: NodeChallenge = {
      id: `ct${ids++}`,
      nodeId,
      seed: 'aa'.repeat(32),
      size: 64,
      gpus,
      rounds: 2,
      status: 'committed',
      issuedAt: now,
      readyAt: now,
      commitBy: now + 10_000,
      roots: '[]',
      committedAt: now,
      openRows: '[]',
      judgedAt: null,
      failureReason: null,
      ...row,
    }
    h.db.insert(nodeChallenges).values(values).run()
    return values
  }
  const setNode = (values: Partial<typeof nodes.$inferInsert>) => h.db.update(nodes).set(values).where(eq(nodes.id, nodeId)).run()
  const node = () => h.db.select().from(nodes).where(eq(nodes.id, nodeId)).get()!
  const rentOut = (allocated: number) => h.db.update(nodeGpus).set({ allocated }).where(eq(nodeGpus.nodeId, nodeId)).run()
  const message = (challengeId: string) =>
    h.db.select({ accountId: notifications.accountId, topic: notifications.topic, reply: notifications.reply }).from(notifications).where(eq(notifications.dedupeKey, `node.challenge-failed:${challengeId}`)).get()
  return { h, nodeId, accountId, address, verdicts, frauds, challenge, setNode, node, rentOut, message }
}

describe('pass', () => {
  test('speed: the slowest model at the claimed throughput, every round, timed from the seed (readyAt) to the commitment', () => {
    const w = world()
    const issuedAt = w.h.clock.now
    const current = w.challenge({ size: 8192, rounds: 32, issuedAt, readyAt: issuedAt + 40_000, committedAt: issuedAt + 40_200 })
    w.h.clock.now = issuedAt + 41_000
    expect(w.verdicts.pass(current)).toEqual({ status: 'passed' })
    // Worked by hand: 2 × 8192³ / 350 TFLOPS = 3.1415 ms a round, × 32 = 100.53 ms, in 200 ms = 5026 bps.
    // (At the table's floor of 35 TFLOPS it would be 50263; timed from issuedAt, 25.)
    // Next challenge: half the 6 h interval plus unitRandom (0.25) of the other half = 3 h 45 min.
    expect(w.node()).toMatchObject({ verification: 'verified', verifiedAt: w.h.clock.now, verifiedGpus: 2, measuredSpeedBps: 5026, verificationFailure: null, nextChallengeAt: w.h.clock.now + 3 * HOUR + 45 * MINUTE })
    expect(w.h.db.select().from(nodeChallenges).where(eq(nodeChallenges.id, current.id)).get()).toMatchObject({ status: 'passed', judgedAt: w.h.clock.now })
  })

  /** A node verified at `verifiedAt` by a 2-GPU pass, one GPU rented, now passing a 1-GPU challenge at `now`. */
  function carry(now: (verifiedAt: number) => number) {
    const w = world()
    const verifiedAt = w.h.clock.now
    w.challenge({ status: 'passed', gpus: 2, judgedAt: verifiedAt })
    w.setNode({ verification: 'verified', verifiedAt, verifiedGpus: 2 })
    w.rentOut(1)
    w.h.clock.now = now(verifiedAt)
    w.verdicts.pass(w.challenge({ gpus: 1 }))
    return w
  }

  test('the rented GPU is carried while the last verification is younger than the interval plus 1 h', () => {
    const w = carry((verifiedAt) => verifiedAt + 7 * HOUR - 1)
    expect(w.node()).toMatchObject({ verifiedGpus: 2, nextChallengeAt: w.h.clock.now + 3 * HOUR + 45 * MINUTE })
  })

  test('at exactly interval + 1 h the proof has lapsed: only the computed GPU counts, and the node is rechecked in 10 minutes', () => {
    const w = carry((verifiedAt) => verifiedAt + 7 * HOUR)
    expect(w.node()).toMatchObject({ verifiedGpus: 1, nextChallengeAt: w.h.clock.now + 10 * MINUTE })
  })

  test('a node verified with no passed challenge on record carries nothing (and does not throw)', () => {
    const w = world()
    // Verified directly (as the harness's trusted providers are): no challenge history.
    w.h.verify(w.nodeId)
    w.rentOut(1)
    w.h.clock.now += HOUR
    expect(w.verdicts.pass(w.challenge({ gpus: 1 }))).toEqual({ status: 'passed' })
    expect(w.node()).toMatchObject({ verifiedGpus: 1, nextChallengeAt: w.h.clock.now + 10 * MINUTE })
  })
})

describe('fail', () => {
  const reason = 'the commitment arrived 3 s after the deadline'
  const text = (nodeId: string) => `Node ${nodeId} failed its compute challenge (${reason}); it is not listed until it passes one. The next one comes in 60 minutes.`

  test("the provider is told under the 'provider' topic, on the wallet's account", () => {
    const w = world()
    const current = w.challenge()
    expect(w.verdicts.fail(current, reason)).toEqual({ status: 'failed', reason: `The challenge failed: ${reason}.` })
    expect(w.message(current.id)).toEqual({ accountId: w.accountId, topic: 'provider', reply: JSON.stringify({ text: text(w.nodeId) }) })
    expect(w.node()).toMatchObject({ verification: 'failed', verificationFailure: reason, verifiedGpus: 0, nextChallengeAt: w.h.clock.now + HOUR })
  })

  test('a provider whose wallet row is gone still gets its verdict; the message has no account', () => {
    const w = world()
    // Unlinking is refused while the wallet has nodes; the verdict must not depend on it.
    const address = w.h.db.select({ address: providers.address }).from(providers).get()!.address
    w.h.db.delete(wallets).where(eq(wallets.address, address)).run()
    const current = w.challenge()
    expect(w.verdicts.fail(current, reason)).toEqual({ status: 'failed', reason: `The challenge failed: ${reason}.` })
    expect(w.message(current.id)).toEqual({ accountId: null, topic: 'provider', reply: JSON.stringify({ text: text(w.nodeId) }) })
  })

  test('a node marked verified is fraud even with no passed challenge on record', () => {
    const w = world()
    w.h.verify(w.nodeId)
    const current = w.challenge()
    w.verdicts.fail(current, reason)
    expect(w.frauds).toEqual([[w.nodeId, reason, current.id]])
  })

  test('without a fraud hook a verified node is still failed', () => {
    const w = world({ hook: false })
    w.h.verify(w.nodeId)
    const current = w.challenge()
    expect(w.verdicts.fail(current, reason)).toEqual({ status: 'failed', reason: `The challenge failed: ${reason}.` })
    expect(w.node()).toMatchObject({ verification: 'failed', verifiedGpus: 0, listed: false })
  })

  /** Judged challenges, one a minute, then the node's state as they left it, then a failure. */
  function history(verdicts: ['passed' | 'failed', string | null][], verification: 'pending' | 'failed') {
    const w = world()
    for (const [status, failureReason] of verdicts) {
      w.challenge({ status, failureReason, judgedAt: w.h.clock.now })
      w.h.clock.now += MINUTE
    }
    w.setNode({ verification, verifiedGpus: 0 })
    const current = w.challenge()
    w.verdicts.fail(current, reason)
    return { ...w, current }
  }

  test('attack: a verified node that deregistered mid-challenge (a withdrawal) and then fails is fraud', () => {
    const w = history(
      [
        ['passed', null],
        ['failed', WITHDRAWN],
        ['failed', WITHDRAWN],
      ],
      'pending',
    )
    expect(w.frauds).toEqual([[w.nodeId, reason, w.current.id]])
  })

  test('a node whose last real verdict was a failure is not fraud, withdrawals or passes before it notwithstanding', () => {
    expect(history([['passed', null], ['failed', 'no commitment arrived before the deadline']], 'failed').frauds).toEqual([])
    expect(history([['passed', null], ['failed', 'no commitment arrived before the deadline'], ['failed', WITHDRAWN]], 'pending').frauds).toEqual([])
  })

  test('only verdicts issued before this challenge count', () => {
    const w = world()
    const current = w.challenge()
    // Issued later (it cannot happen, one challenge at a time; the bound is what is tested).
    w.challenge({ status: 'passed', issuedAt: w.h.clock.now + MINUTE })
    w.challenge({ status: 'passed', issuedAt: w.h.clock.now })
    w.verdicts.fail(current, reason)
    expect(w.frauds).toEqual([])
  })
})

describe('slowestThroughput', () => {
  const table = { 'A100-80GB': 150, 'H100-80GB': 350 }

  test("the slowest declared model; a model the table lacks gets the table's lowest figure", () => {
    expect(slowestThroughput(['H100-80GB', 'A100-80GB'], table)).toBe(150)
    expect(slowestThroughput(['H100-80GB'], table)).toBe(350)
    expect(slowestThroughput(['B200-192GB'], table)).toBe(150)
  })

  test('an empty table (a vote may set {}) gives 1 TFLOPS, not Infinity', () => {
    expect(slowestThroughput(['H100-80GB'], {})).toBe(1)
  })
})
