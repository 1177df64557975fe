import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core'

/** Saved availability searches: one DM when matching capacity appears, then a cool-down. */
export const alerts = sqliteTable(
  'alerts',
  {
    id: text('id').primaryKey(),
    accountId: integer('account_id').notNull(),
    model: text('model').notNull(),
    gpuCount: integer('gpu_count').notNull(),
    /** Base units per GPU-hour, or null for any price. */
    maxPrice: text('max_price'),
    region: text('region'),
    createdAt: integer('created_at').notNull(),
    /** Resting until then after it fired. */
    coolUntil: integer('cool_until').notNull().default(0),
    lastFiredAt: integer('last_fired_at'),
  },
  // Evaluated by model: a heartbeat only looks at alerts for the models that node offers.
  (t) => [index('alerts_model').on(t.model, t.coolUntil), index('alerts_account').on(t.accountId)],
)

export type Alert = typeof alerts.$inferSelect
