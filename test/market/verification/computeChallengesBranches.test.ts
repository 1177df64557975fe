import * as crypto from 'node:crypto'
import { eq } from 'drizzle-orm'
import { afterEach, describe, expect, test, vi } from 'vitest'
import { nodeChallenges, nodes } from '../../../src/db/schema/market.ts'
import { bondPerGpu } from '../../../src/market/ProviderListing.ts'
import { ComputeChallenges, SIMULATED_REFUSED, WITHDRAWN } from '../../../src/market/verification/ComputeChallenges.ts'
import { createMarketHarness } from '../../support/marketHarness.ts'
import { userError } from '../../support/userError.ts'
import { prover } from './challengeProver.ts'

// Short ids draw from node:crypto directly; a queue of scripted draws lets a test force an id collision.
const scriptedIdBytes = vi.hoisted(() => [] as Buffer[])
vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:crypto')>()
  const randomBytes = ((size: number, ...rest: unknown[]) =>
    size === 6 && scriptedIdBytes.length > 0 && rest.length === 0 ? scriptedIdBytes.shift()! : (actual.randomBytes as (...args: unknown[]) => Buffer)(size, ...rest)) as typeof actual.randomBytes
  return { ...actual, default: { ...actual, randomBytes }, randomBytes }
})

afterEach(() => void scriptedIdBytes.splice(0))

const HOUR = 3600_000
const SIMULATED_H100 = { name: 'H100-80GB', memoryMb: 81920 }

/** The module's harness with a scripted randomness source: 4-byte draws (opened rows, the next
 *  challenge's time) come from `fourByteDraws` while it has some; every draw's size is recorded. */
function setup({ simulatedAllowed = true, gpus = 2, real = false } = {}) {
  const h = createMarketHarness({ simulatedAllowed })
  const fourByteDraws: number[][] = []
  const drawSizes: number[] = []
  const randomBytes = (size: number): Uint8Array => {
    drawSizes.push(size)
    return size === 4 && fourByteDraws.length > 0 ? Uint8Array.from(fourByteDraws.shift()!) : crypto.randomBytes(size)
  }
  const make = (allowed: boolean) => new ComputeChallenges({ db: h.db, params: h.params, listing: h.listing, clock: () => h.clock.now, randomBytes, simulatedAllowed: allowed })
  const challenges = make(simulatedAllowed)
  const registration = (count: number) => ({ nodeKey: 'node-1', gpus: [{ ...SIMULATED_H100, count }], pricePerGpuHour: '2', region: 'eu-west', simulated: !real })
  const { address, nodeId, accountId } = h.provider(1, registration(gpus), { trusted: false })
  const node = () => h.db.select().from(nodes).where(eq(nodes.id, nodeId)).get()!
  const challengeRow = (id: string) => h.db.select().from(nodeChallenges).where(eq(nodeChallenges.id, id)).get()!
  const rowChecksPrepared = () => drawSizes.filter((size) => size === 64 * 4).length
  return { h, challenges, make, registration, fourByteDraws, rowChecksPrepared, address, nodeId, accountId, node, challengeRow }
}

type World = ReturnType<typeof setup>

/** Issued (from the registration or the order given), ready and committed honestly. */
function committed(s: World, order = s.challenges.afterRegister(s.nodeId)!) {
  const ready = s.challenges.ready(s.address, s.nodeId, order.id)
  const p = prover(order, ready)
  const answer = s.challenges.commit(s.address, s.nodeId, order.id, { roots: p.roots })
  return { order, p, answer, reveal: (gpu: number, rows: number[]) => s.challenges.reveal(s.address, s.nodeId, order.id, p.reveal(gpu, rows)) }
}

function passed(s: World, order?: Parameters<typeof committed>[1]) {
  const c = committed(s, order)
  expect(c.p.revealAll(c.answer, (body) => s.challenges.reveal(s.address, s.nodeId, c.order.id, body))).toEqual({ status: 'passed' })
  return c
}

describe('errors name the challenge for operators and users alike', () => {
  test('error: an unknown challenge is NOT_FOUND', () => {
    const s = setup()
    s.challenges.afterRegister(s.nodeId)
    expect(() => s.challenges.ready(s.address, s.nodeId, 'cnope22')).toThrowError(
      expect.objectContaining({ name: 'ChallengeNotFoundError', code: 'NOT_FOUND', message: 'challenge cnope22 not found', userMessage: "Challenge cnope22 is not one of this node's." }),
    )
  })

  test('error: a step out of turn is a CONFLICT', () => {
    const s = setup()
    const { order } = committed(s)
    expect(() => s.challenges.ready(s.address, s.nodeId, order.id)).toThrowError(
      expect.objectContaining({ name: 'ChallengeStateError', code: 'CONFLICT', message: `challenge ${order.id} is committed`, userMessage: `Challenge ${order.id} is committed; this step needs it issued.` }),
    )
  })
})

describe('scheduling', () => {
  test('an unknown node gets no order, at registration or on a heartbeat', () => {
    const s = setup()
    expect(s.challenges.afterRegister('nmissing')).toBeUndefined()
    expect(s.challenges.orderFor('nmissing')).toBeUndefined()
    expect(s.h.db.select().from(nodeChallenges).all()).toEqual([])
  })

  test('a failed node whose inventory changed is pending again and challenged at once, not at its retry time', () => {
    const s = setup()
    const first = s.challenges.afterRegister(s.nodeId)!
    s.h.clock.now = first.readyBy + 1
    expect(s.challenges.expireDue()).toBe(1)
    expect(s.node()).toMatchObject({ verification: 'failed', nextChallengeAt: s.h.clock.now + HOUR })
    s.h.clock.now += 1_000
    s.h.registry.register(s.address, s.registration(3))
    expect(s.node().verification).toBe('pending')
    const order = s.challenges.afterRegister(s.nodeId)!
    expect(order).toMatchObject({ gpus: 3, readyBy: s.h.clock.now + 60_000 })
    expect(s.node().nextChallengeAt).toBe(s.h.clock.now)
  })

  test('a verified node registering again unchanged keeps its schedule: no challenge before it is due', () => {
    const s = setup()
    passed(s)
    const due = s.node().nextChallengeAt!
    s.h.clock.now += 1_000
    s.h.registry.register(s.address, s.registration(2))
    expect(s.challenges.afterRegister(s.nodeId)).toBeUndefined()
    expect(s.node()).toMatchObject({ verification: 'verified', nextChallengeAt: due })
    expect(s.h.db.select().from(nodeChallenges).all()).toHaveLength(1)
  })

  test('a node refused under SIMULATED_PROVIDERS=deny waits for its next registration once allowed, not a heartbeat', () => {
    const s = setup({ simulatedAllowed: false })
    expect(s.challenges.afterRegister(s.nodeId)).toBeUndefined()
    expect(s.node()).toMatchObject({ verification: 'failed', verificationFailure: SIMULATED_REFUSED, nextChallengeAt: null })
    // The operator switches to allow and restarts.
    const allowing = s.make(true)
    s.h.clock.now += 5_000
    expect(allowing.orderFor(s.nodeId)).toBeUndefined()
    expect(s.h.db.select().from(nodeChallenges).all()).toEqual([])
    // Failed, not pending, but never scheduled: its registration makes it due.
    const order = allowing.afterRegister(s.nodeId)!
    expect(order).toMatchObject({ gpus: 2, readyBy: s.h.clock.now + 60_000 })
    expect(s.node().nextChallengeAt).toBe(s.h.clock.now)
  })

  test('an issued challenge is handed out again up to its ready deadline, then no more until the sweep fails it', () => {
    const s = setup()
    const order = s.challenges.afterRegister(s.nodeId)!
    s.h.clock.now = order.readyBy
    expect(s.challenges.orderFor(s.nodeId)).toEqual(order)
    s.h.clock.now += 1
    expect(s.challenges.orderFor(s.nodeId)).toBeUndefined()
    expect(s.challengeRow(order.id).status).toBe('issued')
    // A ready one is not handed out either: the runner has it.
    const t = setup()
    const again = t.challenges.afterRegister(t.nodeId)!
    t.challenges.ready(t.address, t.nodeId, again.id)
    expect(t.challenges.orderFor(t.nodeId)).toBeUndefined()
  })

  test('a new challenge is issued at exactly its due time, not 1 ms before', () => {
    const s = setup()
    passed(s)
    const due = s.node().nextChallengeAt!
    s.h.clock.now = due - 1
    expect(s.challenges.orderFor(s.nodeId)).toBeUndefined()
    s.h.clock.now = due
    expect(s.challenges.orderFor(s.nodeId)).toMatchObject({ gpus: 2, readyBy: due + 60_000 })
  })

  test('a real node is given rounds for its claimed model, not for the slowest in the table', () => {
    const s = setup({ real: true, simulatedAllowed: false })
    // A slow model in the governed table: 5 TFLOPS would need only 10 rounds for 2 s of work.
    s.h.params.set('gpu_throughput', JSON.stringify({ 'H100-80GB': 350, 'GTX1080-8GB': 5 }), { setByProposal: null, now: s.h.clock.now })
    expect(s.challenges.afterRegister(s.nodeId)).toMatchObject({ size: 8192, rounds: 32, gpus: 2 })
  })

  test('a challenge id already taken is drawn again', () => {
    const s = setup()
    // "caaaaaa" is the id of the node's first challenge; the next draw collides with it once.
    scriptedIdBytes.push(Buffer.alloc(6, 0))
    const first = s.challenges.afterRegister(s.nodeId)!
    expect(first.id).toBe('caaaaaa')
    s.h.clock.now = first.readyBy + 1
    s.challenges.expireDue()
    s.h.clock.now = s.node().nextChallengeAt!
    scriptedIdBytes.push(Buffer.alloc(6, 0), Buffer.alloc(6, 1))
    expect(s.challenges.orderFor(s.nodeId)!.id).toBe('cbbbbbb')
    expect(s.h.db.select({ id: nodeChallenges.id, status: nodeChallenges.status }).from(nodeChallenges).all()).toEqual([
      { id: 'caaaaaa', status: 'failed' },
      { id: 'cbbbbbb', status: 'issued' },
    ])
  })
})

describe('commitment and opened rows', () => {
  test('opened rows are the low bits of little-endian draws, stored exactly as answered', () => {
    const s = setup()
    const order = s.challenges.afterRegister(s.nodeId)!
    // Only the low 6 bits (size 64) of the first byte decide: 0xc5 is row 5; the repeated 5 is drawn again.
    for (const first of [0xc5, 0x03, 0x40, 0x3f, 0x0a, 0x05, 0x11, 0x20, 0x07]) s.fourByteDraws.push([first, 0xff, 0xff, 0xff])
    for (const first of [1, 2, 4, 8, 16, 32, 33, 34]) s.fourByteDraws.push([first, 0, 0, 0x80])
    const { answer, reveal } = committed(s, order)
    expect(answer.open).toEqual([
      { gpu: 0, rows: [0, 3, 5, 7, 10, 17, 32, 63] },
      { gpu: 1, rows: [1, 2, 4, 8, 16, 32, 33, 34] },
    ])
    const stored = (revealedGpu0: 0 | 1) => [...[0, 3, 5, 7, 10, 17, 32, 63].map((row) => [0, row, revealedGpu0]), ...[1, 2, 4, 8, 16, 32, 33, 34].map((row) => [1, row, 0])]
    expect(JSON.parse(s.challengeRow(order.id).openRows!)).toEqual(stored(0))
    expect(reveal(0, answer.open![0]!.rows)).toEqual({ status: 'committed' })
    expect(JSON.parse(s.challengeRow(order.id).openRows!)).toEqual(stored(1))
  })

  test('the next challenge time comes from a little-endian draw', () => {
    const s = setup()
    const { answer, reveal, order } = committed(s)
    expect(reveal(0, answer.open![0]!.rows)).toEqual({ status: 'committed' })
    // 0x80000000 / 2^32 = 0.5: half way through the second half of the 6-hour interval.
    s.fourByteDraws.push([0, 0, 0, 0x80])
    expect(reveal(1, answer.open![1]!.rows)).toEqual({ status: 'passed' })
    expect(s.node().nextChallengeAt).toBe(s.h.clock.now + 4.5 * HOUR)
    expect(s.challengeRow(order.id).status).toBe('passed')
  })

  test('error: the same roots after the verdict are refused, not answered with rows', () => {
    const s = setup()
    const { order, p } = passed(s)
    expect(() => s.challenges.commit(s.address, s.nodeId, order.id, { roots: p.roots })).toThrowError(userError(`Challenge ${order.id} is passed; this step needs it ready.`))
    const t = setup()
    const late = committed(t)
    t.h.clock.now = late.answer.revealBy! + 1
    t.challenges.expireDue()
    expect(() => t.challenges.commit(t.address, t.nodeId, late.order.id, { roots: late.p.roots })).toThrowError(userError(`Challenge ${late.order.id} is failed; this step needs it ready.`))
  })

  test('error: a reveal before the commitment is refused and changes nothing', () => {
    const s = setup()
    const order = s.challenges.afterRegister(s.nodeId)!
    const ready = s.challenges.ready(s.address, s.nodeId, order.id)
    const body = prover(order, ready).reveal(0, [0])
    expect(() => s.challenges.reveal(s.address, s.nodeId, order.id, body)).toThrowError(userError(`Challenge ${order.id} is ready; this step needs it committed.`))
    expect(s.challengeRow(order.id)).toMatchObject({ status: 'ready', failureReason: null })
    expect(s.node().verification).toBe('pending')
  })

  test("error: a row opened on another GPU is not this GPU's to reveal", () => {
    const s = setup()
    const order = s.challenges.afterRegister(s.nodeId)!
    for (const first of [0, 1, 2, 3, 4, 5, 6, 7]) s.fourByteDraws.push([first, 0, 0, 0])
    for (const first of [8, 9, 10, 11, 12, 13, 14, 15]) s.fourByteDraws.push([first, 0, 0, 0])
    const { reveal } = committed(s, order)
    expect(() => reveal(1, [0])).toThrowError(userError(`Challenge ${order.id} is not awaiting row 0 of GPU 1; this step needs it awaiting it.`))
    expect(JSON.parse(s.challengeRow(order.id).openRows!).filter(([, , revealed]: number[]) => revealed === 1)).toEqual([])
  })

  test('error: a row already revealed is not revealed again', () => {
    const s = setup()
    const { order, answer, reveal } = committed(s)
    const [row] = answer.open![0]!.rows
    expect(reveal(0, [row!])).toEqual({ status: 'committed' })
    expect(() => reveal(0, [row!])).toThrowError(userError(`Challenge ${order.id} is not awaiting row ${row} of GPU 0; this step needs it awaiting it.`))
    expect(s.challengeRow(order.id).status).toBe('committed')
  })
})

describe('withdrawal', () => {
  test('a committed challenge is withdrawn too', () => {
    const s = setup()
    const { order } = committed(s)
    s.challenges.withdraw(s.nodeId)
    expect(s.challengeRow(order.id)).toMatchObject({ status: 'failed', failureReason: WITHDRAWN, judgedAt: s.h.clock.now })
    expect(s.node()).toMatchObject({ verification: 'pending', nextChallengeAt: s.h.clock.now })
  })

  test('a verified node with no open challenge stays verified and listed when its agent deregisters', () => {
    const s = setup()
    s.h.fund(s.accountId, bondPerGpu(s.h.params, s.h.units) * 2n)
    s.h.bonds.bond({ accountId: s.accountId, amount: bondPerGpu(s.h.params, s.h.units) * 2n })
    passed(s)
    const before = s.node()
    expect(before).toMatchObject({ verification: 'verified', verifiedGpus: 2, listed: true })
    s.h.clock.now += 1_000
    s.challenges.withdraw(s.nodeId)
    expect(s.node()).toEqual(before)
  })
})

describe('the row-check cache (B·r per hour and size)', () => {
  test('two challenges either side of an hour boundary keep both checks: no check is prepared twice', () => {
    const s = setup()
    const second = s.h.provider(2, { nodeKey: 'node-2', gpus: [{ ...SIMULATED_H100, count: 2 }], simulated: true }, { trusted: false })
    const other = { ...s, ...second }
    s.h.clock.now = Date.UTC(2026, 10, 26, 12, 59, 30)
    const a = committed(s)
    s.h.clock.now = Date.UTC(2026, 10, 26, 13, 0, 10)
    const b = committed(other)
    expect(a.order.matrixSeed).not.toBe(b.order.matrixSeed)
    expect(a.reveal(0, a.answer.open![0]!.rows)).toEqual({ status: 'committed' })
    expect(s.rowChecksPrepared()).toBe(1)
    expect(b.reveal(0, b.answer.open![0]!.rows)).toEqual({ status: 'committed' })
    expect(s.rowChecksPrepared()).toBe(2)
    expect(a.reveal(1, a.answer.open![1]!.rows)).toEqual({ status: 'passed' })
    expect(b.reveal(1, b.answer.open![1]!.rows)).toEqual({ status: 'passed' })
    expect(s.rowChecksPrepared()).toBe(2)
  })

  test('at most 4 checks are kept, the oldest dropped first', () => {
    const s = setup()
    // Live traffic never has more than four (two hours × two sizes) open at once, so this plants
    // committed challenges from five hours; each reveal fails on its round count after the check is fetched.
    let planted = 0
    const revealIssuedInHour = (hour: number) => {
      const id = `cplant${planted++}`
      const now = s.h.clock.now
      s.h.db
        .insert(nodeChallenges)
        .values({ id, nodeId: s.nodeId, seed: 'ab'.repeat(32), size: 64, rounds: 2, gpus: 1, status: 'committed', issuedAt: Date.UTC(2026, 10, 26, hour), commitBy: now, committedAt: now, roots: JSON.stringify([`0x${'ee'.repeat(32)}`]), openRows: JSON.stringify([[0, 0, 0]]) })
        .run()
      const answer = s.challenges.reveal(s.address, s.nodeId, id, { gpu: 0, rows: [{ row: 0, values: Buffer.alloc(256).toString('base64'), proof: [], chain: [] }] })
      expect(answer).toEqual({ status: 'failed', reason: 'The challenge failed: row 0 of GPU 0 came with 1 rounds, not 2.' })
      return s.rowChecksPrepared()
    }
    expect([0, 1, 2, 3].map(revealIssuedInHour)).toEqual([1, 2, 3, 4])
    expect(revealIssuedInHour(0)).toBe(4)
    // A fifth drops hour 0 (the oldest kept), so hour 0 is prepared again and drops hour 1; hour 2 is still kept.
    expect(revealIssuedInHour(4)).toBe(5)
    expect(revealIssuedInHour(0)).toBe(6)
    expect(revealIssuedInHour(2)).toBe(6)
    expect(revealIssuedInHour(1)).toBe(7)
  })
})
