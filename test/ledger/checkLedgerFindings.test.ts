import { describe, expect, test } from 'vitest'
import { openDatabase } from '../../src/db/openDatabase.ts'
import { available, system } from '../../src/ledger/balanceKeys.ts'
import { checkLedger } from '../../src/ledger/checkLedger.ts'
import { Ledger } from '../../src/ledger/Ledger.ts'

// The invariant checker against each kind of tampering, one at a time: it must
// name exactly what is wrong (the soak and the operators rely on its sentences).

function funded() {
  const { db, sqlite } = openDatabase(':memory:')
  new Ledger(db).post({ kind: 'fund', idempotencyKey: 'f', entries: [{ key: system('treasury'), amount: -10n }, { key: available(1), amount: 10n }], now: 1 })
  return sqlite
}

describe('checkLedger', () => {
  test('a sound ledger has no findings', () => {
    expect(checkLedger(funded())).toEqual([])
  })

  test('an entry changed: its transaction no longer sums to zero, and the balance no longer matches it', () => {
    const sqlite = funded()
    sqlite.prepare("update ledger_entries set amount = '12' where key = 'account:1:available'").run()
    expect(checkLedger(sqlite)).toEqual(['transaction 1 sums to 2', 'balance account:1:available is 10 but its entries sum to 12'])
  })

  test('an extra unbalanced entry with no balance row', () => {
    const sqlite = funded()
    sqlite.prepare("insert into ledger_entries (transaction_id, key, amount) values (1, 'account:2:available', '-3')").run()
    expect(checkLedger(sqlite)).toEqual(['transaction 1 sums to -3', 'entries for account:2:available sum to -3 but it has no balance row'])
  })

  test('a negative account balance, even when entries and totals agree; a negative system balance is fine; zero is fine', () => {
    const sqlite = funded()
    sqlite.prepare("update ledger_entries set amount = '-10' where key = 'account:1:available'").run()
    sqlite.prepare("update ledger_entries set amount = '10' where key = 'system:treasury'").run()
    sqlite.prepare("update ledger_balances set balance = '-10' where key = 'account:1:available'").run()
    sqlite.prepare("update ledger_balances set balance = '10' where key = 'system:treasury'").run()
    expect(checkLedger(sqlite)).toEqual(['balance account:1:available is negative (-10)'])
    sqlite.prepare("update ledger_entries set amount = '0'").run()
    sqlite.prepare("update ledger_balances set balance = '0'").run()
    expect(checkLedger(sqlite)).toEqual([])
  })

  test('balances that do not sum to zero', () => {
    const sqlite = funded()
    sqlite.prepare("update ledger_balances set balance = '11' where key = 'account:1:available'").run()
    expect(checkLedger(sqlite)).toEqual(['balance account:1:available is 11 but its entries sum to 10', 'balances sum to 1'])
  })
})
