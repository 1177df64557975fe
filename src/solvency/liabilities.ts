import type { Db } from '../db/openDatabase.ts'
import { ACCOUNT_BALANCE_KINDS } from '../ledger/balanceKeys.ts'
import { sqliteOf } from '../rewards/epochInputs.ts'

/** What Gridshare owes each account: every account balance kind (available,
 *  escrow, earnings, bond, unbonding) plus its payouts not yet confirmed on-chain
 *  (pending or submitted: moved out of the balances but not yet delivered).
 *  Every live account appears, at zero too, so anyone can check their leaf. */
export function readLiabilities(db: Db): Map<number, bigint> {
  const sqlite = sqliteOf(db)
  const owed = new Map<number, bigint>()
  const add = (accountId: number, amount: bigint) => owed.set(accountId, (owed.get(accountId) ?? 0n) + amount)
  for (const [id] of sqlite.prepare('select id from accounts where merged_into is null order by id').raw().iterate() as Iterable<[number]>) owed.set(id, 0n)
  const kinds = new Set(ACCOUNT_BALANCE_KINDS.map((kind) => kind(0).slice('account:0:'.length)))
  const balances = sqlite.prepare("select account_id, substr(key, instr(substr(key, 9), ':') + 9), balance from ledger_balances where account_id is not null").raw().iterate() as Iterable<[number, string, string]>
  for (const [accountId, kind, balance] of balances) if (kinds.has(kind)) add(accountId, BigInt(balance))
  const unpaid = sqlite.prepare("select account_id, amount from payouts where status in ('pending', 'submitted')").raw().iterate() as Iterable<[number, string]>
  for (const [accountId, amount] of unpaid) add(accountId, BigInt(amount))
  return owed
}
