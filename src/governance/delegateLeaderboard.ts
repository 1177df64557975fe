import { and, desc, eq, gte, lte, sql } from 'drizzle-orm'
import type { Address } from 'viem'
import type { Db } from '../db/openDatabase.ts'
import { governanceVotes, proposals } from '../db/schema/governance.ts'
import { shortAddress } from './shortAddress.ts'
import type { VotingPower } from './VotingPower.ts'

/** What the leaderboard reads from Delegations (declared here, so the two files do not import each other). */
export interface DelegationLookups {
  currentByDelegate(): Map<number | Address, { delegators: number[]; since: number }>
  walletsOf(accountId: number): Address[]
  nameOf(accountId: number): string
}

export interface DelegateStanding {
  /** '@bob', or an address no account has linked yet. */
  name: string
  accountId: number | null
  /** Delegators' balances now, base units. */
  power: bigint
  delegators: number
  /** Native proposals opened since the first current delegation to it began, and how many it voted on. */
  eligible: number
  voted: number
  /** Most recent first: the proposal id and the choice in words. */
  lastVotes: { proposalId: string; choice: string }[]
}

/** The delegates by the power lent to them now (current balances of their
 *  delegators' wallets), with how often they vote. */
export async function delegateLeaderboard(
  deps: { db: Db; delegations: DelegationLookups; votingPower: Pick<VotingPower, 'current'>; clock: () => number; choiceText: (proposalId: string, accountId: number) => string | null },
  { limit = 20 }: { limit?: number } = {},
): Promise<DelegateStanding[]> {
  const { db, delegations, votingPower } = deps
  const now = deps.clock()
  const standings: DelegateStanding[] = []
  for (const [delegate, { delegators, since }] of delegations.currentByDelegate()) {
    const addresses = delegators.flatMap((d) => delegations.walletsOf(d))
    const power = addresses.length ? await votingPower.current(addresses) : 0n
    if (typeof delegate !== 'number') {
      standings.push({ name: shortAddress(delegate as Address), accountId: null, power, delegators: delegators.length, eligible: 0, voted: 0, lastVotes: [] })
      continue
    }
    const opened = and(eq(proposals.source, 'native'), gte(proposals.startAt, since), lte(proposals.startAt, now))
    const eligible = db.select({ n: sql<number>`count(*)` }).from(proposals).where(opened).get()!.n
    const voted = db
      .select({ n: sql<number>`count(distinct ${proposals.id})` })
      .from(proposals)
      .innerJoin(governanceVotes, and(eq(governanceVotes.proposalId, proposals.id), eq(governanceVotes.accountId, delegate)))
      .where(opened)
      .get()!.n
    const recent = db
      .select({ proposalId: governanceVotes.proposalId, at: sql<number>`max(${governanceVotes.votedAt})` })
      .from(governanceVotes)
      .innerJoin(proposals, and(eq(proposals.id, governanceVotes.proposalId), eq(proposals.source, 'native')))
      .where(eq(governanceVotes.accountId, delegate))
      .groupBy(governanceVotes.proposalId)
      .orderBy(desc(sql`max(${governanceVotes.votedAt})`), desc(governanceVotes.proposalId))
      .limit(3)
      .all()
    const lastVotes = recent.map((r) => ({ proposalId: r.proposalId, choice: deps.choiceText(r.proposalId, delegate) ?? '?' }))
    standings.push({ name: delegations.nameOf(delegate), accountId: delegate, power, delegators: delegators.length, eligible, voted, lastVotes })
  }
  standings.sort((a, b) => (b.power > a.power ? 1 : b.power < a.power ? -1 : b.delegators - a.delegators || a.name.localeCompare(b.name)))
  return standings.slice(0, limit)
}
