import { and, desc, eq, inArray, lt } from 'drizzle-orm'
import type { Db } from '../../db/openDatabase.ts'
import { nodeChallenges, nodeGpus, nodes, type NodeChallenge } from '../../db/schema/market.ts'
import type { ProtocolParameters } from '../../governance/ProtocolParameters.ts'
import { enqueueNotification } from '../../notify/enqueueNotification.ts'
import type { ChallengeAnswer } from '../../protocol/agentProtocol.ts'
import { nodeOwnerAccount } from '../nodeOwnership.ts'
import type { ProviderListing } from '../ProviderListing.ts'
import { expectedChallengeMs, measuredSpeedBps, PARTIAL_RECHECK_MS, RETRY_AFTER_FAILURE_MS, slowestThroughput } from './challengeTiming.ts'

export const WITHDRAWN = 'the agent deregistered during the challenge'

export interface ChallengeVerdictsDeps {
  db: Db
  params: ProtocolParameters
  listing: Pick<ProviderListing, 'refreshNode'>
  clock: () => number
  /** A uniform number in [0, 1): spreads the next challenge over the interval. */
  unitRandom: () => number
  /** A node that was verified failed a challenge: called inside the judging transaction (slashing). */
  onFraud?: (nodeId: string, reason: string, challengeId: string) => void
}

/** Passing or failing a challenge: the node's verification, its listing, the
 *  provider's message and (for a node that was verified) the fraud slash, in
 *  one transaction each. */
export class ChallengeVerdicts {
  constructor(private readonly deps: ChallengeVerdictsDeps) {}

  pass(challenge: NodeChallenge): ChallengeAnswer {
    const { db, params, clock, listing } = this.deps
    const now = clock()
    const intervalMs = params.getNumber('verification_interval_hours') * 3600_000
    const node = db.select().from(nodes).where(eq(nodes.id, challenge.nodeId)).get()!
    const gpus = db.select({ model: nodeGpus.model, total: nodeGpus.total, allocated: nodeGpus.allocated }).from(nodeGpus).where(eq(nodeGpus.nodeId, challenge.nodeId)).all()
    const declared = gpus.reduce((sum, g) => sum + g.total, 0)
    const allocated = gpus.reduce((sum, g) => sum + g.allocated, 0)
    // GPUs busy with rentals were left out; the last passed challenge still vouches for them while
    // current, but only for as many as it challenged itself: a carry is never carried again, or GPUs
    // kept rented (a provider renting its own) would stay "proven" forever without a computation.
    const stillCurrent = node.verification === 'verified' && (node.verifiedAt ?? 0) > now - intervalMs - 3600_000
    const carried = stillCurrent ? Math.min(allocated, node.verifiedGpus, this.lastPassedGpus(challenge)) : 0
    const tflops = slowestThroughput(
      gpus.map((g) => g.model),
      JSON.parse(params.get('gpu_throughput')) as Record<string, number>,
    )
    // The timed window: from the seed going out to the commitment.
    const verifiedGpus = Math.min(declared, challenge.gpus + carried)
    // GPUs left unproven (rented while their last proof lapsed) are listed once their
    // rentals end: prove them again soon rather than hours later.
    const nextChallengeAt = verifiedGpus < declared ? now + PARTIAL_RECHECK_MS : now + Math.round(intervalMs / 2 + this.deps.unitRandom() * (intervalMs / 2))
    const speed = measuredSpeedBps(expectedChallengeMs(challenge.size, tflops) * challenge.rounds, challenge.committedAt! - (challenge.readyAt ?? challenge.issuedAt))
    db.transaction(() => {
      db.update(nodeChallenges).set({ status: 'passed', judgedAt: now, openRows: challenge.openRows }).where(eq(nodeChallenges.id, challenge.id)).run()
      db.update(nodes)
        .set({
          verification: 'verified',
          verifiedAt: now,
          verifiedGpus,
          measuredSpeedBps: speed,
          verificationFailure: null,
          nextChallengeAt,
        })
        .where(eq(nodes.id, challenge.nodeId))
        .run()
      listing.refreshNode(challenge.nodeId)
    })
    return { status: 'passed' }
  }

  fail(challenge: NodeChallenge, reason: string): ChallengeAnswer {
    const { db, clock, listing, onFraud } = this.deps
    const now = clock()
    db.transaction(() => {
      const node = db.select({ verification: nodes.verification }).from(nodes).where(eq(nodes.id, challenge.nodeId)).get()!
      const wasVerified = node.verification === 'verified' || this.lastVerdictPassed(challenge)
      db.update(nodeChallenges).set({ status: 'failed', judgedAt: now, failureReason: reason }).where(eq(nodeChallenges.id, challenge.id)).run()
      db.update(nodes)
        .set({ verification: 'failed', verificationFailure: reason, verifiedGpus: 0, nextChallengeAt: now + RETRY_AFTER_FAILURE_MS })
        .where(eq(nodes.id, challenge.nodeId))
        .run()
      listing.refreshNode(challenge.nodeId)
      enqueueNotification(db, {
        dedupeKey: `node.challenge-failed:${challenge.id}`,
        accountId: nodeOwnerAccount(db, challenge.nodeId) ?? null,
        topic: 'provider',
        reply: { text: `Node ${challenge.nodeId} failed its compute challenge (${reason}); it is not listed until it passes one. The next one comes in ${Math.round(RETRY_AFTER_FAILURE_MS / 60_000)} minutes.` },
        now,
      })
      // A pending node's first failure may be a setup fault; a verified node's is cheating or a broken GPU.
      if (wasVerified) onFraud?.(challenge.nodeId, reason, challenge.id)
    })
    return { status: 'failed', reason: `The challenge failed: ${reason}.` }
  }

  /** How many GPUs the node's last passed challenge before this one computed on. */
  private lastPassedGpus(challenge: NodeChallenge): number {
    const last = this.deps.db
      .select({ gpus: nodeChallenges.gpus })
      .from(nodeChallenges)
      .where(and(eq(nodeChallenges.nodeId, challenge.nodeId), lt(nodeChallenges.issuedAt, challenge.issuedAt), eq(nodeChallenges.status, 'passed')))
      .orderBy(desc(nodeChallenges.issuedAt))
      .limit(1)
      .get()
    return last?.gpus ?? 0
  }

  /** Whether the node's last verdict before this challenge, looking past withdrawals
   *  and re-registrations, was a pass: a verified node cannot shed its status by
   *  deregistering mid-challenge (or re-registering) and then fail as a "new" one. */
  private lastVerdictPassed(challenge: NodeChallenge): boolean {
    const earlier = this.deps.db
      .select({ status: nodeChallenges.status, reason: nodeChallenges.failureReason })
      .from(nodeChallenges)
      .where(and(eq(nodeChallenges.nodeId, challenge.nodeId), lt(nodeChallenges.issuedAt, challenge.issuedAt), inArray(nodeChallenges.status, ['passed', 'failed'])))
      .orderBy(desc(nodeChallenges.issuedAt))
      .limit(50)
      .all()
    // Only failures carry a reason, so the withdrawals are the rows whose reason is WITHDRAWN.
    return earlier.find((c) => c.reason !== WITHDRAWN)?.status === 'passed'
  }
}
