import { and, eq, inArray, ne, or, sql } from 'drizzle-orm'
import { getAddress, isAddress, parseUnits } from 'viem'
import type { Db } from '../../db/openDatabase.ts'
import { governanceCursors, governanceVotes, proposals, type ProposalRow } from '../../db/schema/governance.ts'
import { wallets } from '../../db/schema/wallets.ts'
import { enqueueNotification } from '../../notify/enqueueNotification.ts'
import { soleLeader } from '../tallyVotes.ts'
import { anyoneActionIn, withVoteButtons } from '../proposalMessages.ts'
import { toProposalView } from '../proposalView.ts'
import type { HubProposal, SnapshotHub } from './SnapshotHub.ts'
import { utcMinute } from '../../time/utcMinute.ts'

export interface SnapshotMirrorDeps {
  db: Db
  clock: () => number
  hub: SnapshotHub
  space: string
  decimals: number
  publicUrl: string
  /** Votes read per proposal per pass (the hub pages at 1,000). */
  maxVotes?: number
}

const CURSOR = 'snapshot.proposals.created'

/** Mirrors a Snapshot space: new proposals by a cursor on `created`, then the
 *  state, scores and votes of those not yet closed. */
export class SnapshotMirror {
  constructor(private readonly deps: SnapshotMirrorDeps) {}

  async sync(): Promise<{ added: string[]; refreshed: number; votes: number }> {
    const { db, hub, space } = this.deps
    const added: string[] = []
    for (;;) {
      const cursor = db.select().from(governanceCursors).where(eq(governanceCursors.name, CURSOR)).get()?.value ?? 0
      const page = await hub.proposalsSince(space, cursor)
      if (page.length === 0) break
      db.transaction((tx) => {
        for (const proposal of page) {
          const id = this.upsert(tx, proposal)
          if (id) added.push(id)
        }
        const last = Math.max(cursor, ...page.map((p) => p.created))
        tx.insert(governanceCursors).values({ name: CURSOR, value: last }).onConflictDoUpdate({ target: governanceCursors.name, set: { value: last } }).run()
      })
      if (page.length < 100) break
    }
    const open = db
      .select()
      .from(proposals)
      .where(and(eq(proposals.source, 'snapshot'), or(ne(proposals.status, 'closed'), sql`${proposals.closedAt} is null`)))
      .all()
    const fresh = await hub.proposalsByIds(open.map((p) => p.externalId!))
    let votes = 0
    for (const proposal of fresh) {
      const row = open.find((p) => p.externalId === proposal.id)!
      votes += await this.syncVotes(row)
      db.transaction((tx) => this.upsert(tx, proposal))
    }
    return { added, refreshed: fresh.length, votes }
  }

  /** Inserts or refreshes one mirrored proposal; returns its id when new. */
  private upsert(tx: Db, proposal: HubProposal): string | undefined {
    const now = this.deps.clock()
    const existing = tx.select().from(proposals).where(eq(proposals.externalId, proposal.id)).get()
    const status = proposal.state === 'closed' ? 'closed' : proposal.state === 'active' ? 'active' : 'pending'
    const scores = proposal.scores ?? []
    const quorum = toBaseUnits(proposal.quorum ?? 0, this.deps.decimals)
    const total = toBaseUnits(proposal.scores_total ?? 0, this.deps.decimals)
    const values = {
      title: proposal.title,
      body: proposal.body ?? '',
      choices: JSON.stringify(proposal.choices),
      type: proposal.type,
      startAt: proposal.start * 1000,
      endAt: proposal.end * 1000,
      snapshotBlock: Number(proposal.snapshot),
      quorum: quorum.toString(),
      status,
      hubState: proposal.state,
      hubCreated: proposal.created,
      scores: JSON.stringify(scores),
      scoresTotal: total.toString(),
      quorumMet: total >= quorum,
      winner: soleLeader(scores),
      closedAt: status === 'closed' ? (existing?.closedAt ?? now) : null,
    } satisfies Partial<ProposalRow>
    if (existing) {
      tx.update(proposals).set(values).where(eq(proposals.id, existing.id)).run()
      return undefined
    }
    const id = this.freeId(tx, proposal.id)
    tx.insert(proposals)
      .values({ id, source: 'snapshot', externalId: proposal.id, authorAddress: proposal.author, createdAt: proposal.created * 1000, ...values })
      .run()
    if (status !== 'closed') {
      enqueueNotification(tx, {
        dedupeKey: `proposal.new:${id}`,
        accountId: null,
        topic: 'governance',
        // Open ones carry vote buttons anyone may press, relayed through each presser's alias.
        reply: withVoteButtons(
          {
            title: `New Snapshot proposal ${id}: ${proposal.title}`,
            text: `Choices: ${proposal.choices.map((c, i) => `${i + 1} ${c}`).join(', ')}. Voting ${status === 'active' ? 'is open' : `opens ${utcMinute(proposal.start * 1000)}`} until ${utcMinute(proposal.end * 1000)}. /proposal ${id} to see it; /authorize once to vote from chat.`,
          },
          anyoneActionIn(tx, now),
          toProposalView(tx.select().from(proposals).where(eq(proposals.id, id)).get()!, now),
          now,
        ),
        now,
      })
    }
    return id
  }

  /** s-1a2b3c from 0x1a2b3c…; longer if two hub ids share their start. */
  private freeId(tx: Db, externalId: string): string {
    const hex = externalId.replace(/^0x/i, '').toLowerCase()
    for (let length = 6; length <= hex.length; length += 2) {
      const id = `s-${hex.slice(0, length)}`
      if (!tx.select({ id: proposals.id }).from(proposals).where(eq(proposals.id, id)).get()) return id
    }
    return `s-${hex}`
  }

  /** The hub's votes, so /proposal … votes and the export list everyone's.
   *  A relayed vote keeps its envelope while the hub still has that vote. */
  private async syncVotes(row: ProposalRow): Promise<number> {
    const { db, hub } = this.deps
    const max = this.deps.maxVotes ?? 5000
    let count = 0
    for (let skip = 0; skip < max; skip += 1000) {
      const page = await hub.votes(row.externalId!, skip)
      const voters = page.filter((v) => isAddress(v.voter, { strict: false })).map((v) => getAddress(v.voter))
      const owners = new Map(
        voters.length ? db.select().from(wallets).where(inArray(wallets.address, voters)).all().map((w) => [w.address, w.accountId]) : [],
      )
      db.transaction((tx) => {
        for (const vote of page) {
          if (!isAddress(vote.voter, { strict: false })) continue
          const address = getAddress(vote.voter)
          const existing = tx.select().from(governanceVotes).where(and(eq(governanceVotes.proposalId, row.id), eq(governanceVotes.address, address))).get()
          const power = toBaseUnits(vote.vp ?? 0, this.deps.decimals).toString()
          if (existing && existing.receipt === vote.id) {
            tx.update(governanceVotes).set({ power }).where(and(eq(governanceVotes.proposalId, row.id), eq(governanceVotes.address, address))).run()
            continue
          }
          const values = {
            accountId: owners.get(address) ?? null,
            identity: null,
            choice: JSON.stringify(vote.choice),
            power,
            votedAt: vote.created * 1000,
            source: 'hub' as const,
            signature: null,
            envelope: null,
            receipt: vote.id,
          }
          tx.insert(governanceVotes)
            .values({ proposalId: row.id, address, ...values })
            .onConflictDoUpdate({ target: [governanceVotes.proposalId, governanceVotes.address], set: values })
            .run()
        }
      })
      count += page.length
      if (page.length < 1000) break
    }
    return count
  }
}

/** The hub's numbers are floats in tokens; store base units like native ones. */
export function toBaseUnits(amount: number, decimals: number): bigint {
  if (!Number.isFinite(amount) || amount <= 0) return 0n
  return parseUnits(amount.toLocaleString('en-US', { useGrouping: false, maximumFractionDigits: Math.min(decimals, 18) }), decimals)
}
