import { describe, expect, test } from 'vitest'
import { openDatabase } from '../../src/db/openDatabase.ts'
import { accountIdOf, available, earnings, escrow, system } from '../../src/ledger/balanceKeys.ts'
import { Ledger } from '../../src/ledger/Ledger.ts'
import { NegativeBalanceError, UnbalancedPostingError } from '../../src/ledger/LedgerErrors.ts'

// The exact rows a posting writes, and the exact errors it refuses with: what
// an auditor reads, and what callers turn into user sentences.

function setup() {
  const { db, sqlite } = openDatabase(':memory:')
  return { sqlite, ledger: new Ledger(db) }
}

describe('Ledger rows', () => {
  test('a posting writes one transaction, its entries as given, and each balance with its account', () => {
    const { ledger, sqlite } = setup()
    const first = ledger.post({ kind: 'deposit', idempotencyKey: 'd1', memo: 'tx 0xabc', entries: [{ key: system('treasury'), amount: -10n }, { key: available(7), amount: 10n }], now: 1000 })
    const second = ledger.post({ kind: 'rental.escrow', idempotencyKey: 'r1', entries: [{ key: available(7), amount: -4n }, { key: escrow(7), amount: 4n }], now: 2000 })
    expect([first, second]).toEqual([
      { transactionId: 1, applied: true },
      { transactionId: 2, applied: true },
    ])
    expect(sqlite.prepare('select id, kind, idempotency_key as k, memo, created_at as at from ledger_transactions order by id').all()).toEqual([
      { id: 1, kind: 'deposit', k: 'd1', memo: 'tx 0xabc', at: 1000 },
      { id: 2, kind: 'rental.escrow', k: 'r1', memo: null, at: 2000 },
    ])
    expect(sqlite.prepare('select transaction_id as t, key, amount from ledger_entries order by id').all()).toEqual([
      { t: 1, key: 'system:treasury', amount: '-10' },
      { t: 1, key: 'account:7:available', amount: '10' },
      { t: 2, key: 'account:7:available', amount: '-4' },
      { t: 2, key: 'account:7:escrow', amount: '4' },
    ])
    expect(sqlite.prepare('select key, account_id as accountId, balance from ledger_balances order by key').all()).toEqual([
      { key: 'account:7:available', accountId: 7, balance: '6' },
      { key: 'account:7:escrow', accountId: 7, balance: '4' },
      { key: 'system:treasury', accountId: null, balance: '-10' },
    ])
    expect(ledger.balancesOf(7)).toEqual({ available: 6n, escrow: 4n })
    expect(ledger.balance(available(8))).toBe(0n)
  })

  test('a repeated idempotency key returns the first transaction and moves nothing, even with other entries', () => {
    const { ledger, sqlite } = setup()
    ledger.post({ kind: 'deposit', idempotencyKey: 'd1', entries: [{ key: system('treasury'), amount: -10n }, { key: available(7), amount: 10n }], now: 1 })
    expect(ledger.post({ kind: 'deposit', idempotencyKey: 'd1', entries: [{ key: system('treasury'), amount: -99n }, { key: available(7), amount: 99n }], now: 2 })).toEqual({ transactionId: 1, applied: false })
    expect(ledger.balance(available(7))).toBe(10n)
    expect(sqlite.prepare('select count(*) as n from ledger_entries').get()).toEqual({ n: 2 })
  })

  test('several entries on one balance in a posting add up before the check', () => {
    const { ledger } = setup()
    ledger.post({ kind: 'fund', idempotencyKey: 'f', entries: [{ key: system('treasury'), amount: -5n }, { key: available(1), amount: 5n }], now: 1 })
    // 5 + 3 − 8 = 0: allowed; the third entry sees the second's +3.
    ledger.post({ kind: 'mixed', idempotencyKey: 'm', entries: [{ key: available(1), amount: 3n }, { key: available(1), amount: -8n }, { key: system('fees'), amount: 5n }], now: 2 })
    expect(ledger.balance(available(1))).toBe(0n)
    expect(ledger.balance(system('fees'))).toBe(5n)
  })

  test('error: a balance going negative names the key, the balance before and the change, and nothing is written', () => {
    const { ledger, sqlite } = setup()
    ledger.post({ kind: 'fund', idempotencyKey: 'f', entries: [{ key: system('treasury'), amount: -10n }, { key: earnings(3), amount: 10n }], now: 1 })
    let error: unknown
    try {
      ledger.post({ kind: 'payout', idempotencyKey: 'p', entries: [{ key: earnings(3), amount: -11n }, { key: system('payouts_pending'), amount: 11n }], now: 2 })
    } catch (caught) {
      error = caught
    }
    expect(error).toBeInstanceOf(NegativeBalanceError)
    expect(error).toMatchObject({ key: 'account:3:earnings', balance: 10n, change: -11n, code: 'NEGATIVE_BALANCE', message: 'balance account:3:earnings would go negative: 10 + -11' })
    expect(sqlite.prepare('select count(*) as n from ledger_transactions').get()).toEqual({ n: 1 })
    expect(ledger.earningsOf(3)).toBe(10n)
    // Exactly to zero is fine.
    ledger.post({ kind: 'payout', idempotencyKey: 'p', entries: [{ key: earnings(3), amount: -10n }, { key: system('payouts_pending'), amount: 10n }], now: 2 })
    expect(ledger.earningsOf(3)).toBe(0n)
  })

  test('error: an unbalanced posting names its kind and sum', () => {
    const { ledger } = setup()
    expect(() => ledger.post({ kind: 'oops', idempotencyKey: 'o', entries: [{ key: system('treasury'), amount: -5n }, { key: available(1), amount: 7n }], now: 1 })).toThrow(
      new UnbalancedPostingError('oops', 2n),
    )
    expect(() => ledger.post({ kind: 'oops', idempotencyKey: 'o', entries: [{ key: available(1), amount: 7n }], now: 1 })).toThrow('ledger posting oops sums to 7, not 0')
  })

  test('account ids are read only from account keys', () => {
    expect(accountIdOf('account:12:available')).toBe(12)
    expect(accountIdOf('account:3:bond')).toBe(3)
    expect(accountIdOf('system:treasury')).toBeNull()
    expect(accountIdOf('xaccount:1:available')).toBeNull()
    expect(accountIdOf('account::available')).toBeNull()
  })
})
