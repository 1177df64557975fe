import type { Sqlite } from '../db/openDatabase.ts'

/** Proves the ledger's invariants; returns the violations (empty when sound):
 *  every transaction sums to zero, all balances sum to zero, each balance
 *  equals the sum of its entries, and no account balance is negative. */
export function checkLedger(sqlite: Sqlite): string[] {
  const problems: string[] = []
  const entries = sqlite.prepare('select transaction_id as tx, key, amount from ledger_entries').all() as { tx: number; key: string; amount: string }[]
  const byTransaction = new Map<number, bigint>()
  const byKey = new Map<string, bigint>()
  for (const { tx, key, amount } of entries) {
    byTransaction.set(tx, (byTransaction.get(tx) ?? 0n) + BigInt(amount))
    byKey.set(key, (byKey.get(key) ?? 0n) + BigInt(amount))
  }
  for (const [tx, sum] of byTransaction) if (sum !== 0n) problems.push(`transaction ${tx} sums to ${sum}`)
  const balances = sqlite.prepare('select key, balance from ledger_balances').all() as { key: string; balance: string }[]
  let total = 0n
  for (const { key, balance } of balances) {
    const value = BigInt(balance)
    total += value
    if (value !== (byKey.get(key) ?? 0n)) problems.push(`balance ${key} is ${value} but its entries sum to ${byKey.get(key) ?? 0n}`)
    if (key.startsWith('account:') && value < 0n) problems.push(`balance ${key} is negative (${value})`)
    byKey.delete(key)
  }
  for (const [key, sum] of byKey) if (sum !== 0n) problems.push(`entries for ${key} sum to ${sum} but it has no balance row`)
  if (total !== 0n) problems.push(`balances sum to ${total}`)
  return problems
}
