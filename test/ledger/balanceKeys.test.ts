import { describe, expect, test } from 'vitest'
import { accountIdOf, ACCOUNT_BALANCE_KINDS, available, bond, earnings, escrow, system, SYSTEM_BALANCES, unbonding } from '../../src/ledger/balanceKeys.ts'
import { NegativeBalanceError, UnbalancedPostingError } from '../../src/ledger/LedgerErrors.ts'

// Balance keys are stored in every ledger row: their exact text is a format on disk,
// and accountIdOf decides which balances may never go negative.

describe('balance keys', () => {
  test('each kind has its exact key text', () => {
    expect([available(12), escrow(12), earnings(12), bond(12), unbonding(12)]).toEqual([
      'account:12:available',
      'account:12:escrow',
      'account:12:earnings',
      'account:12:bond',
      'account:12:unbonding',
    ])
    expect(SYSTEM_BALANCES.map(system)).toEqual(['system:treasury', 'system:fees', 'system:rewards_pool', 'system:unclaimed_deposits', 'system:payouts_pending'])
    expect(ACCOUNT_BALANCE_KINDS.map((kind) => kind(3))).toEqual([available(3), escrow(3), earnings(3), bond(3), unbonding(3)])
  })

  test.each([
    ['account:12:available', 12],
    ['account:7:bond', 7],
    ['account:1234567:earnings', 1234567],
    ['system:treasury', null],
    ['system:unclaimed_deposits', null],
    ['xaccount:1:available', null],
    ['account:x1:available', null],
    ['account::available', null],
    ['account:5', null],
  ])('accountIdOf(%s) is %s', (key, id) => {
    expect(accountIdOf(key)).toBe(id)
  })
})

describe('ledger errors', () => {
  test('an unbalanced posting: operator message and code, no user message', () => {
    const error = new UnbalancedPostingError('rental.confirm', -3n)
    expect(error).toBeInstanceOf(Error)
    expect({ name: error.name, message: error.message, code: error.code, userMessage: error.userMessage }).toEqual({
      name: 'UnbalancedPostingError',
      message: 'ledger posting rental.confirm sums to -3, not 0',
      code: 'UNBALANCED_POSTING',
      userMessage: undefined,
    })
  })

  test('a negative balance: the key, balance and change, and a user message when the caller gives one', () => {
    const error = new NegativeBalanceError('account:4:available', 10n, -11n, 'You have 10 but asked for 11.')
    expect({ name: error.name, message: error.message, code: error.code, userMessage: error.userMessage, key: error.key, balance: error.balance, change: error.change }).toEqual({
      name: 'NegativeBalanceError',
      message: 'balance account:4:available would go negative: 10 + -11',
      code: 'NEGATIVE_BALANCE',
      userMessage: 'You have 10 but asked for 11.',
      key: 'account:4:available',
      balance: 10n,
      change: -11n,
    })
    expect(new NegativeBalanceError('account:4:escrow', 0n, -1n).userMessage).toBeUndefined()
  })
})
