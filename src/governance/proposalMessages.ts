import { createHash } from 'node:crypto'
import { proposalChartImage } from './proposalChartImage.ts'
import { and, eq, isNull, lte, or } from 'drizzle-orm'
import type { Logger } from '../app/logger.ts'
import { ANYONE, createAction } from '../command/actionStore.ts'
import type { ActionButton, Reply } from '../command/reply.ts'
import type { Db } from '../db/openDatabase.ts'
import { proposalMessages } from '../db/schema/proposalMessages.ts'
import type { TokenUnits } from '../ledger/TokenUnits.ts'
import { DeliveryError } from '../notify/DeliveryError.ts'
import { groupVotingHint, proposalCard, type TallyView } from './proposalReplies.ts'
import type { ProposalView } from './proposalView.ts'
import { votingTypeOf } from './votingTypes.ts'

/** Telegram allows about 20 messages a minute in one group, edits included:
 *  one edit per message per 10 s keeps a busy vote well inside it (and Discord's 5 per 5 s per channel). */
export const REFRESH_INTERVAL_MS = 10_000

const LATE_PRESS_MS = 24 * 3600_000

/** Makes a button anyone may press, valid for ttlMs. */
export type AnyoneAction = (name: string, payload: unknown, ttlMs: number) => string

/** The vote buttons for a group or channel: one per choice on single-choice,
 *  otherwise one Vote button that opens a private ballot. Valid until voting closes. */
export function voteButtons(action: AnyoneAction, proposal: ProposalView, now: number): ActionButton[] {
  const type = votingTypeOf(proposal.type)
  if (proposal.status !== 'active' || !type) return []
  // A day past the end, so a late press on a stale client is told that voting closed.
  const ttlMs = Math.max(1, proposal.endAt - now) + LATE_PRESS_MS
  if (type === 'single-choice') return proposal.choices.map((label, i) => ({ label, action: action('proposal.vote', { id: proposal.id, choice: i + 1 }, ttlMs), style: 'primary' as const }))
  return [{ label: `Vote (${type})`, action: action('proposal.ballot', { id: proposal.id }, ttlMs), style: 'primary' }]
}

/** Buttons made outside a command (announcements from the scheduler). */
export function anyoneActionIn(db: Db, now: number): AnyoneAction {
  return (name, payload, ttlMs) => createAction(db, { name, payload, owner: ANYONE, groupId: '', now, ttlMs })
}

/** Adds anyone's vote buttons to a public proposal message and marks it for refreshing. */
export function withVoteButtons(reply: Reply, action: AnyoneAction, proposal: ProposalView, now: number): Reply {
  const buttons = voteButtons(action, proposal, now)
  const type = votingTypeOf(proposal.type)
  if (buttons.length === 0 || !type) return reply
  return { ...reply, text: [reply.text, groupVotingHint(type)].filter(Boolean).join('\n'), buttons, live: { proposalId: proposal.id } }
}

/** Where a chat adapter posted a live message. */
export interface PostedMessage {
  platform: string
  chatId: string
  messageId: string
  reply: Reply
}

/** Edits a posted message; throws DeliveryError ('rejected' or 'unreachable' when it is gone for good). */
export interface MessageEditor {
  editMessage(chatId: string, messageId: string, reply: Reply): Promise<void>
}

export interface ProposalMessagesDeps {
  db: Db
  clock: () => number
  logger: Logger
  units: TokenUnits
  governance: { proposal(id: string): ProposalView; tally(proposal: ProposalView): TallyView; snapshotSpace: string | undefined }
  editors: Map<string, MessageEditor>
  intervalMs?: number
  /** The dashboard's base URL: refreshed cards keep their result chart. */
  publicUrl?: string
}

/** Group and channel messages that carry a proposal's vote buttons: their tally
 *  is refreshed (batched: one edit per message per interval, only when it
 *  changed) and at close the buttons come off and the result is shown. */
export class ProposalMessages {
  constructor(private readonly deps: ProposalMessagesDeps) {}

  /** Called by adapters after posting a reply marked live. */
  record(posted: PostedMessage): void {
    const proposalId = posted.reply.live?.proposalId
    if (!proposalId) return
    const buttons = (posted.reply.buttons ?? []).filter((b): b is ActionButton => 'action' in b)
    this.deps.db
      .insert(proposalMessages)
      .values({ platform: posted.platform, chatId: posted.chatId, messageId: posted.messageId, proposalId, buttons: JSON.stringify(buttons), postedAt: this.deps.clock(), shownHash: hashOf(posted.reply) })
      .onConflictDoNothing()
      .run()
  }

  /** One pass over open messages not edited within the interval. Returns the edits made. */
  async refresh(): Promise<number> {
    const { db, clock, governance, units, logger, intervalMs = REFRESH_INTERVAL_MS } = this.deps
    const now = clock()
    const due = db
      .select()
      .from(proposalMessages)
      .where(and(isNull(proposalMessages.closedAt), or(isNull(proposalMessages.lastEditAt), lte(proposalMessages.lastEditAt, now - intervalMs))))
      .all()
    const views = new Map<string, Reply | 'wait'>()
    let edits = 0
    for (const row of due) {
      const editor = this.deps.editors.get(row.platform)
      if (!editor) continue
      if (!views.has(row.proposalId)) {
        const proposal = governance.proposal(row.proposalId)
        // Past its end but not yet counted: the result comes with the close job.
        const counted = proposal.status !== 'closed' || proposal.result !== null
        const card = counted ? proposalCard(units, proposal, governance.tally(proposal), now, governance.snapshotSpace) : 'wait'
        if (card !== 'wait' && this.deps.publicUrl) card.image = proposalChartImage(this.deps.publicUrl, proposal.id)
        views.set(row.proposalId, card)
      }
      const card = views.get(row.proposalId)!
      if (card === 'wait') continue
      const final = card.fields?.some((f) => f.name === 'Result') ?? false
      const reply: Reply = final ? card : withStoredButtons(card, row.buttons, governance.proposal(row.proposalId))
      const hash = hashOf(reply)
      const where = { platform: row.platform, chatId: row.chatId, messageId: row.messageId }
      if (hash === row.shownHash && !final) continue
      try {
        await editor.editMessage(row.chatId, row.messageId, reply)
        edits++
        this.update(where, { shownHash: hash, lastEditAt: clock(), ...(final ? { closedAt: clock() } : {}) })
      } catch (error) {
        const gone = error instanceof DeliveryError && (error.kind === 'rejected' || error.kind === 'unreachable')
        logger.warn({ err: error, ...where, gone }, 'proposal message refresh failed')
        // Deleted, or no longer ours to edit: stop trying. Anything else waits for the next pass.
        this.update(where, gone ? { closedAt: clock() } : { lastEditAt: clock() })
      }
    }
    return edits
  }

  private update(where: { platform: string; chatId: string; messageId: string }, values: Partial<typeof proposalMessages.$inferInsert>): void {
    this.deps.db
      .update(proposalMessages)
      .set(values)
      .where(and(eq(proposalMessages.platform, where.platform), eq(proposalMessages.chatId, where.chatId), eq(proposalMessages.messageId, where.messageId)))
      .run()
  }
}

function withStoredButtons(card: Reply, buttonsJson: string, proposal: ProposalView): Reply {
  const type = votingTypeOf(proposal.type)
  const buttons = JSON.parse(buttonsJson) as ActionButton[]
  return { ...card, text: [card.text, type && groupVotingHint(type)].filter(Boolean).join('\n'), buttons }
}

function hashOf(reply: Reply): string {
  return createHash('sha256')
    .update(JSON.stringify([reply.title, reply.text, reply.fields, reply.buttons]))
    .digest('base64url')
    .slice(0, 16)
}
