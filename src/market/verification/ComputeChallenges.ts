import { and, eq, inArray, lt, sql } from 'drizzle-orm'
import type { Address } from 'viem'
import { uniqueShortId } from '../../app/shortId.ts'
import type { Db } from '../../db/openDatabase.ts'
import { nodeChallenges, nodeGpus, nodes, providers, type NodeChallenge } from '../../db/schema/market.ts'
import { AppError } from '../../errors/AppError.ts'
import type { ProtocolParameters } from '../../governance/ProtocolParameters.ts'
import { decodeProductRow, seedBytes, sharedMatrixSeed } from '../../protocol/challengeMatrices.ts'
import { verifyMerkleProof } from '../../protocol/challengeMerkle.ts'
import {
  commitChallengeBody,
  parseAgentBody,
  revealChallengeBody,
  type ChallengeAnswer,
  type ChallengeOrder,
  type CommitChallengeBody,
  type RevealChallengeBody,
} from '../../protocol/agentProtocol.ts'
import { ForbiddenNodeError } from '../NodeRegistry.ts'
import type { ProviderListing } from '../ProviderListing.ts'
import { prepareRowCheck, type RowCheck } from './checkOpenedRow.ts'
import { ChallengeVerdicts, WITHDRAWN } from './ChallengeVerdicts.ts'
import {
  commitDeadline,
  expectedChallengeMs,
  PRODUCTION_CHALLENGE_SIZE,
  productionRounds,
  READY_WINDOW_MS,
  REVEAL_WINDOW_MS,
  ROWS_OPENED_PER_GPU,
  SIMULATED_CHALLENGE_ROUNDS,
  SIMULATED_CHALLENGE_SIZE,
  slowestThroughput,
} from './challengeTiming.ts'

export { WITHDRAWN }
export const SIMULATED_REFUSED = 'simulated inventories are not accepted on this network'

export interface ComputeChallengesDeps {
  db: Db
  params: ProtocolParameters
  listing: Pick<ProviderListing, 'refreshNode'>
  clock: () => number
  randomBytes: (size: number) => Uint8Array
  /** SIMULATED_PROVIDERS=allow: declared (--gpus) inventories may be challenged and verified. */
  simulatedAllowed: boolean
  /** A node that was verified failed a challenge: called inside the judging transaction (slashing). */
  onFraud?: (nodeId: string, reason: string, challengeId: string) => void
}

export class ChallengeNotFoundError extends AppError {
  constructor(id: string) {
    super(`challenge ${id} not found`, { code: 'NOT_FOUND', userMessage: `Challenge ${id} is not one of this node's.` })
  }
}

export class ChallengeStateError extends AppError {
  constructor(id: string, status: string, expected: string) {
    super(`challenge ${id} is ${status}`, { code: 'CONFLICT', userMessage: `Challenge ${id} is ${status}; this step needs it ${expected}.` })
  }
}

/** [gpu, row, revealed 0|1] per opened row, stored in node_challenges.open_rows. */
type OpenRow = [number, number, 0 | 1]

/** The compute challenge, coordinator side: issues challenges to nodes that
 *  are due, hands out the seed only when the node's runner is ready (so the
 *  timed window holds the work, not start-up), takes the commitment (Merkle
 *  roots per GPU), names random rows to open only after it, and judges the
 *  revealed rows and their chains exactly. Every verdict updates the node's
 *  verification and its listing in one transaction (ChallengeVerdicts). */
export class ComputeChallenges {
  private readonly statements
  /** B·r per (matrix seed, size): B changes hourly, so a handful covers every open challenge. */
  private readonly rowChecks = new Map<string, RowCheck>()
  private readonly verdicts: ChallengeVerdicts

  constructor(private readonly deps: ComputeChallengesDeps) {
    this.verdicts = new ChallengeVerdicts({ ...deps, unitRandom: () => this.unitRandom() })
    const nodeId = sql.placeholder('nodeId')
    // Asked on every heartbeat: one prepared read.
    this.statements = {
      due: deps.db
        .select({
          nextChallengeAt: nodes.nextChallengeAt,
          // Only the latest challenge can be open (one at a time): one index step, however many the node had.
          // Spelled out: drizzle leaves columns unqualified here, and "id" would bind to the inner table.
          open: sql<string | null>`(select case when c.status in ('issued', 'ready', 'committed') then c.id end from node_challenges c where c.node_id = "nodes"."id" order by c.issued_at desc limit 1)`,
        })
        .from(nodes)
        .where(eq(nodes.id, nodeId))
        .prepare(),
    }
  }

  /** After a registration: a new or changed (pending) node is due at once; a
   *  simulated one on a network that refuses them fails without a challenge. */
  afterRegister(nodeId: string): ChallengeOrder | undefined {
    const { db, clock, simulatedAllowed, listing } = this.deps
    const node = db.select().from(nodes).where(eq(nodes.id, nodeId)).get()
    if (!node) return undefined
    if (node.simulated && !simulatedAllowed) {
      db.transaction(() => {
        db.update(nodes).set({ verification: 'failed', verificationFailure: SIMULATED_REFUSED, verifiedGpus: 0, nextChallengeAt: null }).where(eq(nodes.id, nodeId)).run()
        listing.refreshNode(nodeId)
      })
      return undefined
    }
    if (node.verification === 'pending' || node.nextChallengeAt === null) db.update(nodes).set({ nextChallengeAt: clock() }).where(eq(nodes.id, nodeId)).run()
    return this.orderFor(nodeId)
  }

  /** The challenge the agent should run now: an open one not yet ready
   *  (sent again, in case an answer was lost), or a new one when due. */
  orderFor(nodeId: string): ChallengeOrder | undefined {
    const { db, clock } = this.deps
    const now = clock()
    const due = this.statements.due.get({ nodeId })
    if (!due) return undefined
    if (due.open) {
      const open = db.select().from(nodeChallenges).where(eq(nodeChallenges.id, due.open)).get()!
      return open.status === 'issued' && open.commitBy >= now ? toOrder(open) : undefined
    }
    if (due.nextChallengeAt === null || due.nextChallengeAt > now) return undefined
    return this.issue(nodeId, now)
  }

  /** The node's runner is ready (B expanded, GPUs warm): the seed goes out and
   *  the timed window starts. Asked again (the answer was lost), the same seed
   *  and deadline. @throws ForbiddenNodeError, ChallengeNotFoundError, ChallengeStateError */
  ready(address: Address, nodeId: string, challengeId: string): ChallengeAnswer {
    const challenge = this.owned(address, nodeId, challengeId)
    if (challenge.status === 'ready') return { status: 'ready', seed: challenge.seed, commitBy: challenge.commitBy }
    if (challenge.status !== 'issued') throw new ChallengeStateError(challengeId, challenge.status, 'issued')
    const now = this.deps.clock()
    if (now > challenge.commitBy) return this.verdicts.fail(challenge, `the runner was ready ${Math.ceil((now - challenge.commitBy) / 1000)} s after the deadline`)
    const commitBy = commitDeadline({ readyAt: now, expectedMs: this.expectedWorkMs(challenge), marginBps: this.deps.params.getNumber('challenge_margin_bps'), gpus: challenge.gpus })
    this.deps.db.update(nodeChallenges).set({ status: 'ready', readyAt: now, commitBy }).where(eq(nodeChallenges.id, challengeId)).run()
    return { status: 'ready', seed: challenge.seed, commitBy }
  }

  /** Takes the roots; answers with the rows to open, or the failure.
   *  @throws ForbiddenNodeError, ChallengeNotFoundError, ChallengeStateError */
  commit(address: Address, nodeId: string, challengeId: string, input: CommitChallengeBody): ChallengeAnswer {
    const { roots } = parseAgentBody(commitChallengeBody, input)
    const challenge = this.owned(address, nodeId, challengeId)
    // The same commitment sent again (its answer was lost) gets the same rows, never new ones.
    if (challenge.status === 'committed' && challenge.roots === JSON.stringify(roots.map((r) => r.toLowerCase()))) return this.openAnswer(challenge)
    if (challenge.status !== 'ready') throw new ChallengeStateError(challengeId, challenge.status, 'ready')
    const now = this.deps.clock()
    if (now > challenge.commitBy) return this.verdicts.fail(challenge, `the commitment arrived ${Math.ceil((now - challenge.commitBy) / 1000)} s after the deadline`)
    if (roots.length !== challenge.gpus) return this.verdicts.fail(challenge, `${roots.length} GPU commitments for ${challenge.gpus} GPUs: fewer working GPUs than claimed`)
    const first = new Map<string, number>()
    for (const [gpu, root] of roots.entries()) {
      const same = first.get(root.toLowerCase())
      if (same !== undefined) return this.verdicts.fail(challenge, `GPUs ${same} and ${gpu} committed the same product: fewer working GPUs than claimed`)
      first.set(root.toLowerCase(), gpu)
    }
    const committed = { status: 'committed' as const, committedAt: now, roots: JSON.stringify(roots.map((r) => r.toLowerCase())), openRows: JSON.stringify(this.pickRows(challenge.gpus, challenge.size)) }
    this.deps.db.update(nodeChallenges).set(committed).where(eq(nodeChallenges.id, challengeId)).run()
    return this.openAnswer({ ...challenge, ...committed })
  }

  /** The rows still to reveal, per GPU. */
  private openAnswer(challenge: NodeChallenge): ChallengeAnswer {
    const open = (JSON.parse(challenge.openRows!) as OpenRow[]).filter(([, , revealed]) => revealed === 0)
    const gpus = [...new Set(open.map(([gpu]) => gpu))]
    return { status: 'committed', open: gpus.map((gpu) => ({ gpu, rows: open.filter(([g]) => g === gpu).map(([, row]) => row) })), revealBy: challenge.committedAt! + REVEAL_WINDOW_MS }
  }

  /** Judges opened rows of one GPU (all of them or some: a long chain may
   *  take several requests); the challenge passes when every row is in.
   *  @throws ForbiddenNodeError, ChallengeNotFoundError, ChallengeStateError */
  reveal(address: Address, nodeId: string, challengeId: string, input: RevealChallengeBody): ChallengeAnswer {
    const body = parseAgentBody(revealChallengeBody, input)
    const challenge = this.owned(address, nodeId, challengeId)
    if (challenge.status !== 'committed') throw new ChallengeStateError(challengeId, challenge.status, 'committed')
    const now = this.deps.clock()
    if (now > challenge.committedAt! + REVEAL_WINDOW_MS) return this.verdicts.fail(challenge, 'the opened rows were revealed after the deadline')
    const open = JSON.parse(challenge.openRows!) as OpenRow[]
    const roots = JSON.parse(challenge.roots!) as string[]
    const gpu = body.gpu
    for (const { row } of body.rows) {
      if (!open.some(([g, r, revealed]) => g === gpu && r === row && revealed === 0)) throw new ChallengeStateError(challengeId, `not awaiting row ${row} of GPU ${gpu}`, 'awaiting it')
    }
    const check = this.rowCheck(sharedMatrixSeed(challenge.issuedAt), challenge.size)
    const seed = seedBytes(challenge.seed)
    const rowLength = challenge.size * 4
    for (const given of body.rows) {
      const where = `row ${given.row} of GPU ${gpu}`
      // The committed row is the last round's; the chain holds the earlier ones.
      const committedRow = Buffer.from(given.values, 'base64')
      const rounds = [...given.chain.map((text) => Buffer.from(text, 'base64')), committedRow]
      if (rounds.length !== challenge.rounds) return this.verdicts.fail(challenge, `${where} came with ${rounds.length} rounds, not ${challenge.rounds}`)
      const wrongLength = rounds.find((bytes) => bytes.length !== rowLength)
      if (wrongLength) return this.verdicts.fail(challenge, `${where} has a round of ${wrongLength.length} bytes, not ${rowLength}`)
      if (!verifyMerkleProof({ root: roots[gpu]!, index: given.row, size: challenge.size, rowBytes: committedRow, proof: given.proof }))
        return this.verdicts.fail(challenge, `${where} does not match its commitment`)
      if (!check.isProductChain(seed, gpu, given.row, rounds.map(decodeProductRow))) return this.verdicts.fail(challenge, `${where} is not the product of the challenge matrices`)
    }
    const updated = open.map(([g, r, revealed]): OpenRow => [g, r, g === gpu && body.rows.some((given) => given.row === r) ? 1 : revealed])
    if (updated.some(([, , revealed]) => revealed === 0)) {
      this.deps.db.update(nodeChallenges).set({ openRows: JSON.stringify(updated) }).where(eq(nodeChallenges.id, challengeId)).run()
      return { status: 'committed' }
    }
    return this.verdicts.pass({ ...challenge, openRows: JSON.stringify(updated) })
  }

  /** The scheduler's sweep: challenges whose commitment or reveal is overdue fail. */
  expireDue(): number {
    const { db, clock } = this.deps
    const now = clock()
    const late = db
      .select()
      .from(nodeChallenges)
      .where(and(inArray(nodeChallenges.status, ['issued', 'ready']), lt(nodeChallenges.commitBy, now)))
      .all()
    const unrevealed = db
      .select()
      .from(nodeChallenges)
      .where(and(eq(nodeChallenges.status, 'committed'), lt(nodeChallenges.committedAt, now - REVEAL_WINDOW_MS)))
      .all()
    for (const challenge of late) this.verdicts.fail(challenge, challenge.status === 'issued' ? 'the runner was not ready before the deadline' : 'no commitment arrived before the deadline')
    for (const challenge of unrevealed) this.verdicts.fail(challenge, 'the opened rows were not revealed in time')
    return late.length + unrevealed.length
  }

  /** A deregistering agent abandons its open challenge: not fraud, but the node
   *  must prove itself again (else stopping would dodge any challenge). */
  withdraw(nodeId: string): void {
    const { db, clock, listing } = this.deps
    const open = db
      .select({ id: nodeChallenges.id })
      .from(nodeChallenges)
      .where(and(eq(nodeChallenges.nodeId, nodeId), inArray(nodeChallenges.status, ['issued', 'ready', 'committed'])))
      .all()
    if (open.length === 0) return
    const now = clock()
    db.transaction(() => {
      for (const { id } of open) db.update(nodeChallenges).set({ status: 'failed', judgedAt: now, failureReason: WITHDRAWN }).where(eq(nodeChallenges.id, id)).run()
      // Due again at its next contact, whether a registration or a heartbeat.
      db.update(nodes).set({ verification: 'pending', verifiedGpus: 0, nextChallengeAt: now }).where(eq(nodes.id, nodeId)).run()
      listing.refreshNode(nodeId)
    })
  }

  private issue(nodeId: string, now: number): ChallengeOrder | undefined {
    const { db, randomBytes } = this.deps
    const node = db.select({ simulated: nodes.simulated }).from(nodes).where(eq(nodes.id, nodeId)).get()!
    if (node.simulated && !this.deps.simulatedAllowed) return undefined
    const models = db.select({ model: nodeGpus.model, free: sql<number>`${nodeGpus.total} - ${nodeGpus.allocated}` }).from(nodeGpus).where(eq(nodeGpus.nodeId, nodeId)).all()
    // GPUs serving a rental are never challenged; a fully rented node waits until one frees.
    const gpus = models.reduce((sum, m) => sum + Math.max(0, m.free), 0)
    if (gpus === 0) return undefined
    const size = node.simulated ? SIMULATED_CHALLENGE_SIZE : PRODUCTION_CHALLENGE_SIZE
    const rounds = node.simulated ? SIMULATED_CHALLENGE_ROUNDS : productionRounds(this.throughputOf(models.map((m) => m.model)))
    const challenge = {
      id: uniqueShortId('c', 6, (id) => db.select({ id: nodeChallenges.id }).from(nodeChallenges).where(eq(nodeChallenges.id, id)).get() !== undefined),
      nodeId,
      seed: Buffer.from(randomBytes(32)).toString('hex'),
      size,
      rounds,
      gpus,
      status: 'issued' as const,
      issuedAt: now,
      // Until the runner is ready, commitBy is the ready deadline (see the schema).
      commitBy: now + READY_WINDOW_MS,
    }
    db.insert(nodeChallenges).values(challenge).run()
    return toOrder(challenge)
  }

  /** ROWS_OPENED_PER_GPU distinct random rows of each GPU (all rows when fewer). */
  private pickRows(gpus: number, size: number): OpenRow[] {
    const open: OpenRow[] = []
    const perGpu = Math.min(ROWS_OPENED_PER_GPU, size)
    for (let gpu = 0; gpu < gpus; gpu++) {
      const rows = new Set<number>()
      while (rows.size < perGpu) {
        const bytes = this.deps.randomBytes(4)
        // size is a power of two: the low bits are uniform.
        rows.add(new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, true) & (size - 1))
      }
      for (const row of [...rows].sort((a, b) => a - b)) open.push([gpu, row, 0])
    }
    return open
  }

  private rowCheck(matrixSeed: string, size: number): RowCheck {
    const key = `${matrixSeed}:${size}`
    let check = this.rowChecks.get(key)
    if (!check) {
      check = prepareRowCheck({ matrixSeed: seedBytes(matrixSeed), size, randomBytes: this.deps.randomBytes })
      // Oldest first: the previous hours' B are no longer issued.
      if (this.rowChecks.size >= 4) this.rowChecks.delete(this.rowChecks.keys().next().value!)
      this.rowChecks.set(key, check)
    }
    return check
  }

  /** The slowest listed model's figure from the governed table. */
  private throughputOf(models: string[]): number {
    return slowestThroughput(models, JSON.parse(this.deps.params.get('gpu_throughput')) as Record<string, number>)
  }

  /** The claimed model's time for the whole challenge on one GPU. */
  private expectedWorkMs(challenge: NodeChallenge): number {
    const models = this.deps.db.select({ model: nodeGpus.model }).from(nodeGpus).where(eq(nodeGpus.nodeId, challenge.nodeId)).all()
    return expectedChallengeMs(challenge.size, this.throughputOf(models.map((m) => m.model))) * challenge.rounds
  }

  private unitRandom(): number {
    const bytes = this.deps.randomBytes(4)
    return new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, true) / 2 ** 32
  }

  /** @throws ForbiddenNodeError, ChallengeNotFoundError */
  private owned(address: Address, nodeId: string, challengeId: string): NodeChallenge {
    const { db } = this.deps
    const owner = db.select({ address: providers.address }).from(nodes).innerJoin(providers, eq(providers.id, nodes.providerId)).where(eq(nodes.id, nodeId)).get()
    if (!owner || owner.address !== address) throw new ForbiddenNodeError(nodeId)
    const challenge = db
      .select()
      .from(nodeChallenges)
      .where(and(eq(nodeChallenges.id, challengeId), eq(nodeChallenges.nodeId, nodeId)))
      .get()
    if (!challenge) throw new ChallengeNotFoundError(challengeId)
    return challenge
  }
}

function toOrder(challenge: Pick<NodeChallenge, 'id' | 'size' | 'rounds' | 'gpus' | 'issuedAt' | 'commitBy'>): ChallengeOrder {
  return { id: challenge.id, matrixSeed: sharedMatrixSeed(challenge.issuedAt), size: challenge.size, rounds: challenge.rounds, gpus: challenge.gpus, readyBy: challenge.commitBy }
}
