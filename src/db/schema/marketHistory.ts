import { integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core'

/** Region value of the row that sums a model over every region (a median
 *  cannot be rebuilt from the regions' medians, so it is stored). */
export const ALL_REGIONS = '*'

/** The listed market once per hour, one row per (model, region) and one per
 *  model over all regions: what the public charts draw. Kept 90 days. */
export const marketHistory = sqliteTable(
  'market_history',
  {
    /** Start of the UTC hour, ms. */
    hour: integer('hour').notNull(),
    model: text('model').notNull(),
    region: text('region').notNull(),
    freeGpus: integer('free_gpus').notNull(),
    rentedGpus: integer('rented_gpus').notNull(),
    /** Listed (verified, bonded, online) nodes offering this model here. */
    listedNodes: integer('listed_nodes').notNull(),
    /** Per GPU-hour, base units as decimal text, over the listed offers. */
    minPrice: text('min_price').notNull(),
    medianPrice: text('median_price').notNull(),
    maxPrice: text('max_price').notNull(),
    /** When this hour's row was last written (the snapshot repeats within the hour). */
    takenAt: integer('taken_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.hour, t.model, t.region] })],
)
