import { sql } from 'drizzle-orm'
import { integer, sqliteTable, text, uniqueIndex, index } from 'drizzle-orm/sqlite-core'

export const accounts = sqliteTable('accounts', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  /** Set when this account was merged into another (same wallet proven on two platforms). */
  mergedInto: integer('merged_into'),
  createdAt: integer('created_at').notNull(),
  /** Withdrawals wait until then after a security change (wallet linked, merge, identity joined). */
  securityHoldUntil: integer('security_hold_until'),
  /** /freeze: no withdrawals, no bot signing, no /authorize until a wallet signature unfreezes. */
  frozenAt: integer('frozen_at'),
})

/** What changed an account's security, told to every identity of the account. */
export const securityEvents = sqliteTable(
  'security_events',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    accountId: integer('account_id')
      .notNull()
      .references(() => accounts.id),
    kind: text('kind').notNull(),
    detail: text('detail').notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [index('security_events_account').on(t.accountId, t.createdAt)],
)

export const chatIdentities = sqliteTable(
  'chat_identities',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    platform: text('platform', { enum: ['console', 'telegram', 'discord'] }).notNull(),
    platformUserId: text('platform_user_id').notNull(),
    accountId: integer('account_id')
      .notNull()
      .references(() => accounts.id),
    displayName: text('display_name').notNull().default(''),
    /** Set after a permanent delivery failure (bot blocked, DMs closed). */
    dmUnreachableAt: integer('dm_unreachable_at'),
    /** Set once the user was told in-channel that their DMs are closed. */
    dmUnreachableToldAt: integer('dm_unreachable_told_at'),
    createdAt: integer('created_at').notNull().default(sql`(unixepoch() * 1000)`),
  },
  (t) => [uniqueIndex('chat_identities_platform_user').on(t.platform, t.platformUserId), index('chat_identities_account').on(t.accountId)],
)

export type Account = typeof accounts.$inferSelect
export type ChatIdentity = typeof chatIdentities.$inferSelect
