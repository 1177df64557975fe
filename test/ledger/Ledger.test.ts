import { describe, expect, test } from 'vitest'
import { openDatabase } from '../../src/db/openDatabase.ts'
import { available, escrow, system } from '../../src/ledger/balanceKeys.ts'
import { checkLedger } from '../../src/ledger/checkLedger.ts'
import { Ledger } from '../../src/ledger/Ledger.ts'
import { TokenUnits } from '../../src/ledger/TokenUnits.ts'

function setup() {
  const { db, sqlite } = openDatabase(':memory:')
  return { db, sqlite, ledger: new Ledger(db) }
}

const big = 10n ** 30n // beyond SQLite's 64-bit integers on purpose

describe('Ledger', () => {
  test('a posting moves exact base units and keeps every invariant', () => {
    const { ledger, sqlite } = setup()
    ledger.post({ kind: 'deposit', idempotencyKey: 'd1', entries: [{ key: system('treasury'), amount: -big }, { key: available(1), amount: big }], now: 1 })
    ledger.post({ kind: 'escrow', idempotencyKey: 'e1', entries: [{ key: available(1), amount: -3n }, { key: escrow(1), amount: 3n }], now: 2 })
    expect(ledger.balancesOf(1)).toEqual({ available: big - 3n, escrow: 3n })
    expect(ledger.balance(system('treasury'))).toBe(-big)
    expect(checkLedger(sqlite)).toEqual([])
  })

  test('the same idempotency key moves money once', () => {
    const { ledger, sqlite } = setup()
    const posting = { kind: 'deposit', idempotencyKey: 'd1', entries: [{ key: system('treasury'), amount: -5n }, { key: available(1), amount: 5n }], now: 1 }
    expect(ledger.post(posting).applied).toBe(true)
    expect(ledger.post(posting).applied).toBe(false)
    expect(ledger.balancesOf(1).available).toBe(5n)
    expect(checkLedger(sqlite)).toEqual([])
  })

  test('error: an unbalanced posting is refused and changes nothing', () => {
    const { ledger, sqlite } = setup()
    expect(() => ledger.post({ kind: 'bad', idempotencyKey: 'x', entries: [{ key: available(1), amount: 5n }], now: 1 })).toThrow('ledger posting bad sums to 5, not 0')
    expect(sqlite.prepare('select count(*) as n from ledger_transactions').get()).toEqual({ n: 0 })
  })

  test('error: an account balance never goes negative, system balances may', () => {
    const { ledger, sqlite } = setup()
    expect(() =>
      ledger.post({ kind: 'overdraw', idempotencyKey: 'o', entries: [{ key: available(1), amount: -1n }, { key: system('fees'), amount: 1n }], now: 1 }),
    ).toThrow('balance account:1:available would go negative: 0 + -1')
    expect(ledger.balancesOf(1).available).toBe(0n)
    expect(checkLedger(sqlite)).toEqual([])
  })

  test('the checker finds a tampered balance', () => {
    const { ledger, sqlite } = setup()
    ledger.post({ kind: 'deposit', idempotencyKey: 'd1', entries: [{ key: system('treasury'), amount: -5n }, { key: available(1), amount: 5n }], now: 1 })
    sqlite.prepare("update ledger_balances set balance = '6' where key = 'account:1:available'").run()
    expect(checkLedger(sqlite)).toEqual(['balance account:1:available is 6 but its entries sum to 5', 'balances sum to 1'])
  })
})

describe('TokenUnits', () => {
  const units = new TokenUnits('GRID', 18)
  test('formats with grouping and the symbol', () => {
    expect(units.format(1_234_500_000_000_000_000_000n)).toBe('1,234.5 GRID')
    expect(units.format(0n)).toBe('0 GRID')
  })
  test('parses decimals exactly', () => {
    expect(units.parse('12.5')).toBe(12_500_000_000_000_000_000n)
    expect(units.parse('0.000000000000000001')).toBe(1n)
    expect(units.parse('1,000 GRID')).toBe(1000n * 10n ** 18n)
  })
  test.each([
    ['abc', 'The amount "abc" is not a number; expected a positive amount of GRID such as 12.5.'],
    ['-5', 'The amount "-5" is not a number; expected a positive amount of GRID such as 12.5.'],
    ['0', 'The amount must be more than 0 GRID.'],
    ['1.0000000000000000001', 'The amount 1.0000000000000000001 has more than 18 decimals; GRID has 18.'],
  ])('error: %s', (text, message) => {
    expect(() => units.parse(text)).toThrow(message)
  })
})
