import { integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core'

/** `/rent … auto_extend:<cap>`: the scheduler adds an hour at a time before
 *  the end while the balance allows, up to cap_hours in all. */
export const rentalAutoExtend = sqliteTable('rental_auto_extend', {
  rentalId: text('rental_id').primaryKey(),
  capHours: integer('cap_hours').notNull(),
  /** Hours added so far; also the step number that keys each extension. */
  extendedHours: integer('extended_hours').notNull().default(0),
})

/** What was done about one end time of a rental (a reminder, or an
 *  auto-extension): one row per (rental, ends_at), so each end is handled
 *  once however often or concurrently the sweep runs, and an extension
 *  (a new ends_at) re-arms it. */
export const rentalEndNotices = sqliteTable(
  'rental_end_notices',
  {
    rentalId: text('rental_id').notNull(),
    endsAt: integer('ends_at').notNull(),
    outcome: text('outcome', { enum: ['reminded', 'auto_extended'] }).notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.rentalId, t.endsAt] })],
)
