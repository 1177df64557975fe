import { and, eq, isNull } from 'drizzle-orm'
import type { Db } from '../db/openDatabase.ts'
import { proposals, type ProposalRow } from '../db/schema/governance.ts'
import { AppError } from '../errors/AppError.ts'
import type { TokenUnits } from '../ledger/TokenUnits.ts'
import { enqueueNotification } from '../notify/enqueueNotification.ts'
import { checkParameter, type ProtocolParameters } from './ProtocolParameters.ts'
import { resultAnnouncement } from './proposalReplies.ts'
import type { ProposalStore } from './ProposalStore.ts'
import { toProposalView } from './proposalView.ts'
import { tallyVotes } from './tallyVotes.ts'
import type { VoteStore } from './VoteStore.ts'
import { votingTypeOf } from './votingTypes.ts'

export interface CloseDeps {
  db: Db
  units: TokenUnits
  params: ProtocolParameters
  store: ProposalStore
  votes: VoteStore
  clock: () => number
}

export interface CloseOutcome {
  id: string
  quorumMet: boolean
  winner: number | null
  executed: boolean
}

/** Closes every native proposal past its end: tally, result, the parameter
 *  change when For won with quorum, and the announcement — one transaction
 *  per proposal, guarded so a proposal is closed (and executed) once. */
export function closeDueProposals(deps: CloseDeps): CloseOutcome[] {
  const now = deps.clock()
  const outcomes: CloseOutcome[] = []
  for (const row of deps.store.dueToClose(now)) {
    const outcome = closeProposal(deps, row, now)
    if (outcome) outcomes.push(outcome)
  }
  return outcomes
}

function closeProposal({ db, units, params, votes }: CloseDeps, row: ProposalRow, now: number): CloseOutcome | undefined {
  const type = votingTypeOf(row.type)
  if (!type) throw new Error(`proposal ${row.id} has unknown voting type ${row.type}`)
  const choices = JSON.parse(row.choices) as string[]
  // Parameter definitions may have changed since the proposal was made; a
  // change that is no longer valid is reported, not applied, and the proposal still closes.
  let problem: string | undefined
  if (row.paramName) {
    try {
      checkParameter(row.paramName, row.paramValue ?? '')
    } catch (error) {
      if (!(error instanceof AppError) || !error.userMessage) throw error
      problem = error.userMessage
    }
  }
  return db.transaction((tx) => {
    const { votes: cast, cast: total } = votes.tallyInputs(row.id, units.decimals, tx)
    const tally = tallyVotes(type, choices, cast)
    const quorumMet = total >= BigInt(row.quorum)
    const execute = Boolean(row.paramName) && !problem && quorumMet && tally.winner === 1
    const closed = tx
      .update(proposals)
      .set({
        status: 'closed',
        scores: JSON.stringify(tally.scores),
        scoresTotal: total.toString(),
        quorumMet,
        winner: tally.winner,
        closedAt: now,
        executedAt: execute ? now : null,
      })
      .where(and(eq(proposals.id, row.id), isNull(proposals.closedAt)))
      .run()
    if (closed.changes === 0) return undefined
    // ProtocolParameters writes on the same connection, so this is inside the transaction.
    if (execute) params.set(row.paramName!, row.paramValue!, { setByProposal: row.id, now })
    const view = toProposalView(tx.select().from(proposals).where(eq(proposals.id, row.id)).get()!, now)
    enqueueNotification(tx, {
      dedupeKey: `proposal.result:${row.id}`,
      accountId: null,
      topic: 'governance',
      reply: resultAnnouncement(units, view, { scores: tally.scores, cast: total, quorumMet, winner: tally.winner, voters: cast.length }, { executed: execute, problem }),
      now,
    })
    return { id: row.id, quorumMet, winner: tally.winner, executed: execute }
  })
}
