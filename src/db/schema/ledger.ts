import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core'

/** One row per balance: `account:<id>:available`, `account:<id>:escrow`, or
 *  `system:<name>`. Amounts are bigint base units stored as decimal text,
 *  since 18-decimal token amounts overflow SQLite's 64-bit integers. */
export const ledgerBalances = sqliteTable(
  'ledger_balances',
  {
    key: text('key').primaryKey(),
    accountId: integer('account_id'),
    balance: text('balance').notNull().default('0'),
  },
  (t) => [index('ledger_balances_account').on(t.accountId)],
)

export const ledgerTransactions = sqliteTable('ledger_transactions', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  kind: text('kind').notNull(),
  /** Makes a retried posting a no-op: the same cause never moves money twice. */
  idempotencyKey: text('idempotency_key').notNull().unique(),
  memo: text('memo'),
  createdAt: integer('created_at').notNull(),
})

export const ledgerEntries = sqliteTable(
  'ledger_entries',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    transactionId: integer('transaction_id')
      .notNull()
      .references(() => ledgerTransactions.id),
    key: text('key').notNull(),
    amount: text('amount').notNull(),
  },
  (t) => [index('ledger_entries_transaction').on(t.transactionId), index('ledger_entries_key').on(t.key)],
)
