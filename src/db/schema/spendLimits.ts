import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core'

/** A renter's own monthly cap (UTC calendar month) on what confirms and
 *  extensions commit; no row means no cap. */
export const spendLimits = sqliteTable('spend_limits', {
  accountId: integer('account_id').primaryKey(),
  /** Base units as decimal text (18-decimal amounts overflow SQLite integers). */
  monthlyCap: text('monthly_cap').notNull(),
  /** A loosening waits out the security hold: from `pendingFrom` the cap becomes
   *  `pendingCap` (null there: no cap). Null `pendingFrom`: nothing waiting. */
  pendingCap: text('pending_cap'),
  pendingFrom: integer('pending_from'),
  updatedAt: integer('updated_at').notNull(),
})
