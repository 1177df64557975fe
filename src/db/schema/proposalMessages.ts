import { index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core'

/** Group and channel messages that show a proposal with vote buttons: kept
 *  so their tally can be refreshed and their buttons taken off at close. */
export const proposalMessages = sqliteTable(
  'proposal_messages',
  {
    platform: text('platform').notNull(),
    chatId: text('chat_id').notNull(),
    messageId: text('message_id').notNull(),
    proposalId: text('proposal_id').notNull(),
    /** The vote buttons as posted (JSON): an edit must carry them or the platform drops them. */
    buttons: text('buttons').notNull(),
    postedAt: integer('posted_at').notNull(),
    /** What the message shows now (a hash), so an edit is made only when it would change. */
    shownHash: text('shown_hash'),
    lastEditAt: integer('last_edit_at'),
    /** Set when the final result was shown (buttons removed) or the message is gone. */
    closedAt: integer('closed_at'),
  },
  (t) => [primaryKey({ columns: [t.platform, t.chatId, t.messageId] }), index('proposal_messages_open').on(t.closedAt, t.proposalId)],
)

export type ProposalMessageRow = typeof proposalMessages.$inferSelect
