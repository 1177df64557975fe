import { integer, sqliteTable, text, index } from 'drizzle-orm/sqlite-core'

/** Button payloads live here, not in the button: Telegram allows 64 bytes of
 *  callback data, and a payload must not be forgeable by the client. */
export const actions = sqliteTable(
  'actions',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    /** Buttons shown together (Confirm / Cancel): pressing one spends all. */
    groupId: text('group_id').notNull(),
    payload: text('payload').notNull(),
    ownerPlatform: text('owner_platform').notNull(),
    ownerUserId: text('owner_user_id').notNull(),
    expiresAt: integer('expires_at').notNull(),
    usedAt: integer('used_at'),
  },
  (t) => [index('actions_expires').on(t.expiresAt)],
)

export type ActionRow = typeof actions.$inferSelect
