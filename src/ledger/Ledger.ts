import { eq, sql } from 'drizzle-orm'
import type { Db } from '../db/openDatabase.ts'
import { ledgerBalances, ledgerEntries, ledgerTransactions } from '../db/schema/ledger.ts'
import { accountIdOf, available, earnings, escrow, type BalanceKey } from './balanceKeys.ts'
import { NegativeBalanceError, UnbalancedPostingError } from './LedgerErrors.ts'

export interface Posting {
  kind: string
  idempotencyKey: string
  entries: { key: BalanceKey; amount: bigint }[]
  memo?: string
  now: number
}

export interface PostResult {
  transactionId: number
  /** False when the idempotency key was already posted: nothing moved. */
  applied: boolean
}

/** Double-entry balances in token base units. post() is synchronous and must
 *  run inside the caller's database transaction, beside the domain change
 *  that causes it, so both commit or neither does. */
export class Ledger {
  private readonly findTransaction
  private readonly readBalance
  private readonly writeBalance
  private readonly insertTransaction
  private readonly insertEntry

  constructor(private readonly db: Db) {
    this.findTransaction = db
      .select({ id: ledgerTransactions.id })
      .from(ledgerTransactions)
      .where(eq(ledgerTransactions.idempotencyKey, sql.placeholder('key')))
      .prepare()
    this.readBalance = db
      .select({ balance: ledgerBalances.balance })
      .from(ledgerBalances)
      .where(eq(ledgerBalances.key, sql.placeholder('key')))
      .prepare()
    this.writeBalance = db
      .insert(ledgerBalances)
      .values({ key: sql.placeholder('key'), accountId: sql.placeholder('accountId'), balance: sql.placeholder('balance') })
      .onConflictDoUpdate({ target: ledgerBalances.key, set: { balance: sql`excluded.balance` } })
      .prepare()
    this.insertTransaction = db
      .insert(ledgerTransactions)
      .values({
        kind: sql.placeholder('kind'),
        idempotencyKey: sql.placeholder('idempotencyKey'),
        memo: sql.placeholder('memo'),
        createdAt: sql.placeholder('createdAt'),
      })
      .returning({ id: ledgerTransactions.id })
      .prepare()
    this.insertEntry = db
      .insert(ledgerEntries)
      .values({ transactionId: sql.placeholder('transactionId'), key: sql.placeholder('key'), amount: sql.placeholder('amount') })
      .prepare()
  }

  /** @throws UnbalancedPostingError, NegativeBalanceError (an account balance below zero) */
  post(posting: Posting): PostResult {
    const sum = posting.entries.reduce((total, entry) => total + entry.amount, 0n)
    if (sum !== 0n) throw new UnbalancedPostingError(posting.kind, sum)
    return this.db.transaction(() => {
      const existing = this.findTransaction.get({ key: posting.idempotencyKey })
      if (existing) return { transactionId: existing.id, applied: false }
      const next = new Map<BalanceKey, bigint>()
      for (const { key, amount } of posting.entries) {
        const balance = (next.get(key) ?? this.balance(key)) + amount
        if (balance < 0n && accountIdOf(key) !== null) throw new NegativeBalanceError(key, balance - amount, amount)
        next.set(key, balance)
      }
      const { id } = this.insertTransaction.get({
        kind: posting.kind,
        idempotencyKey: posting.idempotencyKey,
        memo: posting.memo ?? null,
        createdAt: posting.now,
      })!
      for (const { key, amount } of posting.entries) this.insertEntry.run({ transactionId: id, key, amount: amount.toString() })
      for (const [key, balance] of next) this.writeBalance.run({ key, accountId: accountIdOf(key), balance: balance.toString() })
      return { transactionId: id, applied: true }
    })
  }

  balance(key: BalanceKey): bigint {
    const row = this.readBalance.get({ key })
    return row ? BigInt(row.balance) : 0n
  }

  balancesOf(accountId: number): { available: bigint; escrow: bigint } {
    return { available: this.balance(available(accountId)), escrow: this.balance(escrow(accountId)) }
  }

  earningsOf(accountId: number): bigint {
    return this.balance(earnings(accountId))
  }
}
