import { and, asc, desc, eq, inArray, lte, ne, sql } from 'drizzle-orm'
import type { Db } from '../db/openDatabase.ts'
import { proposals, type ProposalRow } from '../db/schema/governance.ts'
import { UserError } from '../errors/AppError.ts'
import type { ProposalDraft } from './parseProposalDraft.ts'
import { toProposalView, type ProposalView } from './proposalView.ts'

/** Proposal rows: reads for commands and sequential ids for new native ones. */
export class ProposalStore {
  constructor(private readonly db: Db) {}

  /** @throws UserError for an id that does not exist */
  get(id: string, now: number): ProposalView {
    return toProposalView(this.row(id), now)
  }

  row(id: string): ProposalRow {
    const clean = id.trim().toLowerCase()
    const row = this.db.select().from(proposals).where(eq(proposals.id, clean)).get()
    if (!row) throw new UserError(`There is no proposal ${clean.slice(0, 20)}; /proposals lists them (ids look like p12 or s-1a2b3c).`, 'NOT_FOUND')
    return row
  }

  /** Newest first; 'active' includes proposals not yet open. */
  list(filter: 'active' | 'closed' | undefined, now: number, limit = 20): ProposalView[] {
    const where =
      filter === 'active'
        ? and(ne(proposals.status, 'closed'), sql`${proposals.endAt} > ${now}`)
        : filter === 'closed'
          ? sql`(${proposals.status} = 'closed' or ${proposals.endAt} <= ${now})`
          : undefined
    return this.db
      .select()
      .from(proposals)
      .where(where)
      .orderBy(desc(proposals.createdAt), desc(proposals.id))
      .limit(limit)
      .all()
      .map((row) => toProposalView(row, now))
  }

  /** Ids people can still vote on, soonest to close first (autocomplete). */
  openIds(now: number): string[] {
    return this.db
      .select({ id: proposals.id })
      .from(proposals)
      .where(and(ne(proposals.status, 'closed'), sql`${proposals.endAt} > ${now}`))
      .orderBy(asc(proposals.endAt))
      .limit(100)
      .all()
      .map((r) => r.id)
  }

  /** Inserts a native proposal with the next sequential id; call inside a transaction. */
  insertNative(tx: Db, draft: ProposalDraft & { snapshotBlock: number; quorum: bigint; authorAccountId: number; now: number }): ProposalRow {
    const { seq } = tx.select({ seq: sql<number>`coalesce(max(${proposals.seq}), 0) + 1` }).from(proposals).get()!
    return tx
      .insert(proposals)
      .values({
        id: `p${seq}`,
        source: 'native',
        seq,
        title: draft.title,
        body: draft.body,
        choices: JSON.stringify(draft.choices),
        type: draft.type,
        authorAccountId: draft.authorAccountId,
        startAt: draft.startAt,
        endAt: draft.endAt,
        snapshotBlock: draft.snapshotBlock,
        quorum: draft.quorum.toString(),
        paramName: draft.param?.name ?? null,
        paramValue: draft.param?.value ?? null,
        status: draft.startAt <= draft.now ? 'active' : 'pending',
        createdAt: draft.now,
      })
      .returning()
      .get()
  }

  /** Native proposals whose voting opened but that are still marked pending. */
  dueToOpen(now: number): ProposalRow[] {
    return this.db
      .select()
      .from(proposals)
      .where(and(eq(proposals.source, 'native'), eq(proposals.status, 'pending'), lte(proposals.startAt, now)))
      .all()
  }

  /** Native proposals past their end that have no result yet. */
  dueToClose(now: number): ProposalRow[] {
    return this.db
      .select()
      .from(proposals)
      .where(and(eq(proposals.source, 'native'), ne(proposals.status, 'closed'), lte(proposals.endAt, now)))
      .orderBy(asc(proposals.endAt))
      .all()
  }

  /** Native proposals open for voting now. */
  activeNative(now: number): ProposalRow[] {
    return this.db
      .select()
      .from(proposals)
      .where(and(eq(proposals.source, 'native'), ne(proposals.status, 'closed'), lte(proposals.startAt, now), sql`${proposals.endAt} > ${now}`))
      .all()
  }

  byExternalIds(ids: string[]): ProposalRow[] {
    if (ids.length === 0) return []
    return this.db.select().from(proposals).where(inArray(proposals.externalId, ids)).all()
  }
}
