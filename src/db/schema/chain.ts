import { index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core'

/** Where a chain scanner has read up to, so a restart resumes, never rescans from genesis. */
export const chainCursors = sqliteTable('chain_cursors', {
  name: text('name').primaryKey(),
  block: integer('block').notNull(),
})

/** Token transfers to the treasury, keyed by (tx hash, log index): credited once. */
export const deposits = sqliteTable(
  'deposits',
  {
    txHash: text('tx_hash').notNull(),
    logIndex: integer('log_index').notNull(),
    blockNumber: integer('block_number').notNull(),
    blockHash: text('block_hash').notNull(),
    fromAddress: text('from_address').notNull(),
    amount: text('amount').notNull(),
    /** credited: to a linked account; unclaimed: held until the sender links. */
    status: text('status', { enum: ['credited', 'unclaimed'] }).notNull(),
    accountId: integer('account_id'),
    creditedAt: integer('credited_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.txHash, t.logIndex] }), index('deposits_from').on(t.fromAddress, t.status)],
)

/** On-chain transfers out of the treasury: pending → submitted (tx hash, nonce) → confirmed.
 *  The hash and nonce are written before broadcast, so a crash never sends twice. */
export const payouts = sqliteTable(
  'payouts',
  {
    id: text('id').primaryKey(),
    kind: text('kind', { enum: ['withdrawal', 'reward'] }).notNull(),
    accountId: integer('account_id').notNull(),
    toAddress: text('to_address').notNull(),
    amount: text('amount').notNull(),
    /** carried: a failed reward payout whose amount the next epoch's statement pays. */
    status: text('status', { enum: ['pending', 'submitted', 'confirmed', 'failed', 'carried'] }).notNull(),
    txHash: text('tx_hash'),
    nonce: integer('nonce'),
    /** Signed raw transaction, rebroadcast as-is after a crash (same hash, same nonce). */
    rawTx: text('raw_tx'),
    /** Earlier hashes of the same nonce, replaced with higher fees when stuck (JSON array). */
    replacedTxHashes: text('replaced_tx_hashes').notNull().default('[]'),
    batchId: text('batch_id'),
    createdAt: integer('created_at').notNull(),
    submittedAt: integer('submitted_at'),
    confirmedAt: integer('confirmed_at'),
  },
  (t) => [index('payouts_status').on(t.status), index('payouts_account').on(t.accountId)],
)
