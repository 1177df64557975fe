import { and, asc, eq, inArray, isNull, or, sql } from 'drizzle-orm'
import type { Address } from 'viem'
import type { Db } from '../db/openDatabase.ts'
import { delegations, type DelegationRow } from '../db/schema/governance.ts'
import { chatIdentities } from '../db/schema/identity.ts'
import { wallets } from '../db/schema/wallets.ts'
import { UserError } from '../errors/AppError.ts'
import { delegateLeaderboard, type DelegateStanding } from './delegateLeaderboard.ts'
import { parseDelegateTarget, type DelegateTarget } from './parseDelegateTarget.ts'
import type { Platform } from '../identity/ChatUser.ts'
import { shortAddress } from './shortAddress.ts'
import type { VotingPower } from './VotingPower.ts'

export interface DelegationsDeps {
  db: Db
  clock: () => number
  /** latestBlock places a delegation next to proposal snapshots; current prices the leaderboard. */
  votingPower: VotingPower
}

/** Where a proposal's snapshot sits: its block, then when it was made (for a
 *  delegation changed in the snapshot block itself). */
export interface SnapshotPoint {
  snapshotBlock: number
  createdAt: number
}

/** Voting power lent from one account to another (native proposals only).
 *  One hop: a delegate votes with its own power and its direct delegators'
 *  power, never with what was delegated to those delegators. */
export class Delegations {
  constructor(private readonly deps: DelegationsDeps) {}

  /** What /delegate was given: a mention on the caller's platform or an address (parseDelegateTarget). */
  parseTarget(platform: Platform, text: string): DelegateTarget {
    return parseDelegateTarget(this.deps.db, platform, text)
  }

  /** The account's delegation now, if any. */
  current(accountId: number): DelegationRow | undefined {
    return this.deps.db
      .select()
      .from(delegations)
      .where(and(eq(delegations.fromAccountId, accountId), isNull(delegations.endAt)))
      .get()
  }

  /** Ends the current delegation (kept for past snapshots) and starts one to the target.
   *  @throws UserError when the target is the account itself or already its delegate */
  async delegate(accountId: number, target: DelegateTarget): Promise<{ row: DelegationRow; previous: DelegationRow | null }> {
    const { db, clock } = this.deps
    if (this.resolve(target) === accountId) throw new UserError('That is you: your own power already counts when you vote. Delegate to someone else, or /undelegate.', 'SELF_DELEGATION')
    const block = Number(await this.deps.votingPower.latestBlock())
    return db.transaction((tx) => {
      const now = clock()
      const previous = this.current(accountId) ?? null
      if (previous && sameTarget(previous, target)) throw new UserError(`You already delegate to ${this.describeTarget(previous)}; nothing changed.`, 'SAME_DELEGATE')
      if (previous) tx.update(delegations).set({ endBlock: block, endAt: now }).where(eq(delegations.id, previous.id)).run()
      const row = tx
        .insert(delegations)
        .values({
          fromAccountId: accountId,
          toAccountId: target.kind === 'account' ? target.accountId : null,
          toAddress: target.kind === 'address' ? target.address : null,
          startBlock: block,
          startAt: now,
        })
        .returning()
        .get()
      return { row, previous }
    })
  }

  /** Ends the account's delegation; proposals whose snapshot came before keep counting it.
   *  @throws UserError when the account delegates to no one */
  async undelegate(accountId: number): Promise<DelegationRow> {
    const block = Number(await this.deps.votingPower.latestBlock())
    return this.deps.db.transaction((tx) => {
      const now = this.deps.clock()
      const current = this.current(accountId)
      if (!current) throw new UserError('You do not delegate your voting power, so there is nothing to undo; /delegate @name starts one.', 'NO_DELEGATION')
      tx.update(delegations).set({ endBlock: block, endAt: now }).where(eq(delegations.id, current.id)).run()
      return { ...current, endBlock: block, endAt: now }
    })
  }

  /** Delegator account → delegate account for every delegation in effect at
   *  the snapshot whose target is (or has linked) an account other than the delegator. */
  inEffectAt(point: SnapshotPoint, delegate?: number): Map<number, number> {
    const { db } = this.deps
    const b = point.snapshotBlock
    const t = point.createdAt
    const inEffect = and(
      or(sql`${delegations.startBlock} < ${b}`, and(eq(delegations.startBlock, b), sql`${delegations.startAt} <= ${t}`)),
      or(isNull(delegations.endBlock), sql`${delegations.endBlock} > ${b}`, and(eq(delegations.endBlock, b), sql`${delegations.endAt} > ${t}`)),
    )
    const toDelegate = delegate === undefined ? undefined : or(eq(delegations.toAccountId, delegate), inArray(delegations.toAddress, this.walletsOf(delegate)))
    const rows = db
      .select({ from: delegations.fromAccountId, toAccountId: delegations.toAccountId, owner: wallets.accountId })
      .from(delegations)
      .leftJoin(wallets, eq(wallets.address, delegations.toAddress))
      .where(toDelegate ? and(inEffect, toDelegate) : inEffect)
      .all()
    const byDelegator = new Map<number, number>()
    for (const row of rows) {
      const to = row.toAccountId ?? row.owner
      if (to !== null && to !== row.from) byDelegator.set(row.from, to)
    }
    return byDelegator
  }

  /** Accounts that delegated to this one at the snapshot (one hop only). */
  delegatorsAt(point: SnapshotPoint, delegate: number): number[] {
    return [...this.inEffectAt(point, delegate).keys()]
  }

  /** Current delegations, for the leaderboard: delegate (account id or a
   *  not-yet-linked address) → delegators and when the first one began. */
  currentByDelegate(): Map<number | Address, { delegators: number[]; since: number }> {
    const rows = this.deps.db
      .select({ from: delegations.fromAccountId, toAccountId: delegations.toAccountId, toAddress: delegations.toAddress, owner: wallets.accountId, startAt: delegations.startAt })
      .from(delegations)
      .leftJoin(wallets, eq(wallets.address, delegations.toAddress))
      .where(isNull(delegations.endAt))
      .orderBy(asc(delegations.startAt))
      .all()
    const groups = new Map<number | Address, { delegators: number[]; since: number }>()
    for (const row of rows) {
      const key = row.toAccountId ?? row.owner ?? (row.toAddress as Address)
      if (key === row.from) continue
      const group = groups.get(key) ?? { delegators: [], since: row.startAt }
      group.delegators.push(row.from)
      groups.set(key, group)
    }
    return groups
  }

  /** /delegates: the top delegates by power lent to them now. */
  leaderboard(choiceText: (proposalId: string, accountId: number) => string | null, limit?: number): Promise<DelegateStanding[]> {
    const { db, clock, votingPower } = this.deps
    return delegateLeaderboard({ db, clock, votingPower, delegations: this, choiceText }, { limit })
  }

  /** For a vote relayed to Snapshot by a delegate: its delegators' power is not part of it. */
  snapshotNote(accountId: number, source: 'native' | 'snapshot'): string | undefined {
    if (source !== 'snapshot') return undefined
    const delegators = this.deps.db
      .select({ id: delegations.id })
      .from(delegations)
      .leftJoin(wallets, eq(wallets.address, delegations.toAddress))
      .where(and(isNull(delegations.endAt), or(eq(delegations.toAccountId, accountId), eq(wallets.accountId, accountId))))
      .get()
    return delegators ? 'Delegation counts on native proposals only: this Snapshot vote carries your own power, not your delegators\'.' : undefined
  }

  /** The account a target names now: the account itself, or whoever linked the address. */
  resolve(target: DelegateTarget): number | null {
    if (target.kind === 'account') return target.accountId
    return this.deps.db.select({ accountId: wallets.accountId }).from(wallets).where(eq(wallets.address, target.address)).get()?.accountId ?? null
  }

  /** How chat shows a delegate: its chat name, else its first wallet, else the account number. */
  nameOf(accountId: number): string {
    const identity = this.deps.db
      .select({ name: chatIdentities.displayName, platform: chatIdentities.platform })
      .from(chatIdentities)
      .where(eq(chatIdentities.accountId, accountId))
      .orderBy(asc(chatIdentities.id))
      .get()
    // Discord stores the bare username; Telegram stores @username, or a first name when there is none.
    if (identity?.name) return identity.platform === 'discord' ? `@${identity.name}` : identity.name
    const wallet = this.walletsOf(accountId)[0]
    return wallet ? shortAddress(wallet) : `account ${accountId}`
  }

  describeTarget(row: Pick<DelegationRow, 'toAccountId' | 'toAddress'>): string {
    return row.toAccountId !== null ? this.nameOf(row.toAccountId) : row.toAddress!
  }

  walletsOf(accountId: number): Address[] {
    return this.deps.db
      .select({ address: wallets.address })
      .from(wallets)
      .where(eq(wallets.accountId, accountId))
      .orderBy(asc(wallets.linkedAt))
      .all()
      .map((w) => w.address as Address)
  }
}

function sameTarget(row: DelegationRow, target: DelegateTarget): boolean {
  return target.kind === 'account' ? row.toAccountId === target.accountId : row.toAddress === target.address
}
