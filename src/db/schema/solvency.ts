import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core'

/** One published proof of solvency: the Merkle-sum root over every account's
 *  liabilities beside the treasury's reserves read at one block. */
export const solvencySnapshots = sqliteTable('solvency_snapshots', {
  number: integer('number').primaryKey({ autoIncrement: true }),
  /** The epoch whose close took it, or null for /admin solvency. */
  epoch: integer('epoch'),
  blockNumber: integer('block_number').notNull(),
  root: text('root').notNull(),
  totalLiabilities: text('total_liabilities').notNull(),
  /** treasuryBalance + inFlight. */
  reserves: text('reserves').notNull(),
  treasuryBalance: text('treasury_balance').notNull(),
  /** Submitted payouts already mined by blockNumber that the ledger still owes. */
  inFlight: text('in_flight').notNull(),
  accountCount: integer('account_count').notNull(),
  /** The leaves in tree order as JSON [[accountId, amount], …], so proofs can be
   *  rebuilt later; never published (it names accounts). */
  leaves: text('leaves'),
  createdAt: integer('created_at').notNull(),
})

/** A per-account secret from which each snapshot's leaf salt is derived; it
 *  never leaves the server except as that account's own salt. */
export const solvencySecrets = sqliteTable('solvency_secrets', {
  accountId: integer('account_id').primaryKey(),
  secret: text('secret').notNull(),
  createdAt: integer('created_at').notNull(),
})
