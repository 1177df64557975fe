import { and, asc, count, eq, inArray, isNotNull, isNull, max, sql } from 'drizzle-orm'
import { formatUnits, type Address } from 'viem'
import type { Db } from '../db/openDatabase.ts'
import { governanceVotes, type GovernanceVoteRow } from '../db/schema/governance.ts'
import type { VoteChoice } from './parseVoteChoice.ts'
import type { TallyVote } from './tallyVotes.ts'

export interface ChatVote {
  proposalId: string
  accountId: number
  /** 'telegram:123': who pressed or typed it. */
  identity: string
  choice: VoteChoice
  /** Each wallet's power at the snapshot block; wallets with none cast nothing. */
  powers: Map<Address, bigint>
  /** Delegator account → its wallets' powers, cast by this voter as their delegate. */
  delegated?: Map<number, Map<Address, bigint>>
  now: number
}

/** Votes, one row per (proposal, wallet). */
export class VoteStore {
  private readonly byAccount
  /** Chat votes written by this process, per proposal: a vote changed within the same
   *  millisecond to a choice of the same length leaves every column sum alike. */
  private readonly chatWrites = new Map<string, number>()

  constructor(private readonly db: Db) {
    this.byAccount = db
      .select()
      .from(governanceVotes)
      .where(and(eq(governanceVotes.proposalId, sql.placeholder('proposalId')), eq(governanceVotes.accountId, sql.placeholder('accountId'))))
      .prepare()
  }

  /** Writes (or replaces) the account's vote on each of its wallets and, as
   *  their delegate, on the wallets of delegators who have not voted
   *  themselves; call inside the transaction that checked the voting window.
   *  Returns the earlier choice and the power counted per delegator. */
  recordChatVote(tx: Db, vote: ChatVote): { previous: string | null; counted: Map<number, bigint> } {
    const earlier = this.accountVotes(vote.proposalId, vote.accountId)
    const previous = earlier[0]?.choice ?? null
    const choice = JSON.stringify(vote.choice)
    this.chatWrites.set(vote.proposalId, (this.chatWrites.get(vote.proposalId) ?? 0) + 1)
    // The new vote replaces the account's whole earlier vote, including wallets it no longer has
    // and what it cast for delegators (written again below for those still not voting).
    for (const row of earlier) {
      const own = row.delegatorAccountId === null
      if (own && ((vote.powers.get(row.address as Address) ?? 0n) > 0n || row.source !== 'chat')) continue
      tx.delete(governanceVotes).where(and(eq(governanceVotes.proposalId, vote.proposalId), eq(governanceVotes.address, row.address))).run()
    }
    for (const [address, power] of vote.powers) {
      if (power <= 0n) continue
      // An own vote also replaces a delegate's vote on this wallet: the delegator overrides.
      const row = { accountId: vote.accountId, identity: vote.identity, choice, power: power.toString(), votedAt: vote.now, source: 'chat' as const, signature: null, envelope: null, receipt: null, delegatorAccountId: null }
      tx.insert(governanceVotes)
        .values({ proposalId: vote.proposalId, address, ...row })
        .onConflictDoUpdate({ target: [governanceVotes.proposalId, governanceVotes.address], set: row })
        .run()
    }
    const counted = new Map<number, bigint>()
    for (const [delegator, powers] of vote.delegated ?? []) {
      if (delegator === vote.accountId || this.accountVotes(vote.proposalId, delegator).some((r) => r.delegatorAccountId === null)) continue
      let sum = 0n
      for (const [address, power] of powers) {
        if (power <= 0n) continue
        // Never over a row someone cast as their own: one wallet counts once.
        const written = tx
          .insert(governanceVotes)
          .values({ proposalId: vote.proposalId, address, accountId: vote.accountId, identity: vote.identity, choice, power: power.toString(), votedAt: vote.now, source: 'chat', delegatorAccountId: delegator })
          .onConflictDoNothing()
          .run()
        if (written.changes > 0) sum += power
      }
      if (sum > 0n) counted.set(delegator, sum)
    }
    return { previous, counted }
  }

  /** The accounts' own votes on a proposal (not what a delegate cast for them). */
  ownVoters(proposalId: string, accountIds: readonly number[]): Set<number> {
    if (accountIds.length === 0) return new Set()
    const rows = this.db
      .selectDistinct({ accountId: governanceVotes.accountId })
      .from(governanceVotes)
      .where(and(eq(governanceVotes.proposalId, proposalId), inArray(governanceVotes.accountId, [...accountIds]), isNull(governanceVotes.delegatorAccountId)))
      .all()
    return new Set(rows.map((r) => r.accountId!))
  }

  /** Delegators whose power a delegate's vote carries on the proposal. */
  representedAccounts(proposalId: string): Set<number> {
    const rows = this.db
      .selectDistinct({ accountId: governanceVotes.delegatorAccountId })
      .from(governanceVotes)
      .where(and(eq(governanceVotes.proposalId, proposalId), isNotNull(governanceVotes.delegatorAccountId)))
      .all()
    return new Set(rows.map((r) => r.accountId!))
  }

  accountVotes(proposalId: string, accountId: number): GovernanceVoteRow[] {
    return this.byAccount.all({ proposalId, accountId })
  }

  list(proposalId: string): GovernanceVoteRow[] {
    return this.db.select().from(governanceVotes).where(eq(governanceVotes.proposalId, proposalId)).orderBy(asc(governanceVotes.votedAt), asc(governanceVotes.address)).all()
  }

  count(proposalId: string): number {
    return this.db.select({ n: count() }).from(governanceVotes).where(eq(governanceVotes.proposalId, proposalId)).get()!.n
  }

  /** Changes whenever a vote is added or replaced (votes only move forward in
   *  time). A delegator overriding its delegate in the same millisecond keeps
   *  count, time and choice lengths; the owners' sum moves. */
  version(proposalId: string): string {
    const row = this.db
      .select({
        n: count(),
        last: max(governanceVotes.votedAt),
        choices: sql<number>`coalesce(sum(length(${governanceVotes.choice})), 0)`,
        owners: sql<number>`coalesce(sum(coalesce(${governanceVotes.accountId}, 0) * 65537 + coalesce(${governanceVotes.delegatorAccountId}, 0)), 0)`,
        // A mirrored power update changes the sum.
        power: sql<number>`total(cast(${governanceVotes.power} as real))`,
      })
      .from(governanceVotes)
      .where(eq(governanceVotes.proposalId, proposalId))
      .get()!
    return `${row.n}:${row.last}:${row.choices}:${row.owners}:${row.power}:${this.chatWrites.get(proposalId) ?? 0}`
  }

  /** Accounts that have a vote on the proposal (reminders skip them). */
  votedAccounts(proposalId: string): Set<number> {
    const rows = this.db
      .selectDistinct({ accountId: governanceVotes.accountId })
      .from(governanceVotes)
      .where(and(eq(governanceVotes.proposalId, proposalId), isNotNull(governanceVotes.accountId)))
      .all()
    return new Set(rows.map((r) => r.accountId!))
  }

  /** The votes in snapshot.js's form (power in tokens), and the exact total in base units. */
  tallyInputs(proposalId: string, decimals: number, db: Db = this.db): { votes: TallyVote[]; cast: bigint } {
    const rows = db
      .select({ choice: governanceVotes.choice, power: governanceVotes.power })
      .from(governanceVotes)
      .where(and(eq(governanceVotes.proposalId, proposalId), isNotNull(governanceVotes.power)))
      // The order of list(): the export's votes fed to snapshot.js give these exact floats.
      .orderBy(asc(governanceVotes.votedAt), asc(governanceVotes.address))
      .all()
    let cast = 0n
    const votes = rows.map((row) => {
      const power = BigInt(row.power!)
      cast += power
      return { choice: JSON.parse(row.choice) as unknown, balance: Number(formatUnits(power, decimals)) }
    })
    return { votes, cast }
  }
}
