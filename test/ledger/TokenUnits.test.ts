import { describe, expect, test } from 'vitest'
import { TokenUnits } from '../../src/ledger/TokenUnits.ts'

const GRID = 10n ** 18n
const micro = 10n ** 12n

describe('TokenUnits.display', () => {
  const units = new TokenUnits('GRID', 18)
  test.each([
    [0n, '0 GRID'],
    [44n * GRID + 15n * 10n ** 16n, '44.15 GRID'],
    [1_234_500n * 10n ** 15n, '1,234.5 GRID'],
    [1_000_000n * GRID, '1,000,000 GRID'],
    [123_456n * micro, '0.123456 GRID'],
    [micro, '0.000001 GRID'],
  ])('an amount with at most 6 decimals shows exactly, without ≈: %s', (amount, shown) => {
    expect(units.display(amount)).toBe(shown)
  })
  test.each([
    [44n * GRID + 15n * 10n ** 16n + 1n, '≈ 44.15 GRID'],
    [GRID / 24n, '≈ 0.041667 GRID'],
    [1_234_567n * GRID + 1n, '≈ 1,234,567 GRID'],
    [micro + micro / 2n - 1n, '≈ 0.000001 GRID'],
    [micro + micro / 2n, '≈ 0.000002 GRID'],
    [micro / 2n, '≈ 0.000001 GRID'],
    [GRID - 1n, '≈ 1 GRID'],
    [999_999_999_999_999_999_999n, '≈ 1,000 GRID'],
  ])('rounds half up to 6 decimals and says ≈: %s', (amount, shown) => {
    expect(units.display(amount)).toBe(shown)
  })
  test.each([
    [1n, '< 0.000001 GRID'],
    [micro / 2n - 1n, '< 0.000001 GRID'],
  ])('a tiny positive amount never reads as 0: %s', (amount, shown) => {
    expect(units.display(amount)).toBe(shown)
  })
  test.each([
    [-(GRID / 24n), '≈ -0.041667 GRID'],
    [-(5n * GRID), '-5 GRID'],
    [-1n, '> -0.000001 GRID'],
  ])('negative amounts round the same way: %s', (amount, shown) => {
    expect(units.display(amount)).toBe(shown)
  })
  test('format stays exact', () => {
    expect(units.format(44n * GRID + 15n * 10n ** 16n + 1n)).toBe('44.150000000000000001 GRID')
    expect(units.format(GRID / 24n)).toBe('0.041666666666666666 GRID')
  })
  test('a token with 6 or fewer decimals always shows exactly', () => {
    const usdc = new TokenUnits('USDC', 6)
    expect(usdc.display(1n)).toBe('0.000001 USDC')
    expect(usdc.display(1_234_567_890n)).toBe('1,234.56789 USDC')
  })
})

describe('TokenUnits.parse echoes at most 60 characters', () => {
  const units = new TokenUnits('GRID', 18)
  test('error: a 10 KB amount is clipped', () => {
    expect(() => units.parse('x'.repeat(10_000))).toThrow(`The amount "${'x'.repeat(59)}…" is not a number; expected a positive amount of GRID such as 12.5.`)
  })
  test('error: too many decimals, clipped', () => {
    expect(() => units.parse('1.' + '1'.repeat(100))).toThrow(`The amount 1.${'1'.repeat(57)}… has more than 18 decimals; GRID has 18.`)
  })
})

describe('TokenUnits.parse', () => {
  const grid = new TokenUnits('GRID', 18)
  const usdc = new TokenUnits('USDC', 6)
  test.each([
    ['12.5', 12n * GRID + GRID / 2n],
    [' 12.5 ', 12n * GRID + GRID / 2n],
    ['1,234.5 GRID', 1_234n * GRID + GRID / 2n],
    ['7 grid', 7n * GRID],
    ['7grid', 7n * GRID],
    ['.5', GRID / 2n],
    ['5.', 5n * GRID],
    ['0.000000000000000001', 1n],
  ])('%j is read exactly', (text, amount) => {
    expect(grid.parse(text)).toBe(amount)
  })
  test('a whole amount of a 6-decimal token, and 6 decimals exactly', () => {
    expect(usdc.parse('12')).toBe(12_000_000n)
    expect(usdc.parse('0.000001')).toBe(1n)
  })
  test.each([
    ['12 GRID GRID', 'The price "12 GRID" is not a number; expected a positive amount of GRID such as 12.5.'],
    ['-5', 'The price "-5" is not a number; expected a positive amount of GRID such as 12.5.'],
    ['.', 'The price "." is not a number; expected a positive amount of GRID such as 12.5.'],
    ['', 'The price "" is not a number; expected a positive amount of GRID such as 12.5.'],
    ['1e3', 'The price "1e3" is not a number; expected a positive amount of GRID such as 12.5.'],
    ['0', 'The price must be more than 0 GRID.'],
    ['0.000', 'The price must be more than 0 GRID.'],
  ])('error: %j', (text, message) => {
    expect(() => grid.parse(text, 'price')).toThrow(expect.objectContaining({ message, code: 'BAD_AMOUNT' }))
  })
  test('error: more decimals than the token has', () => {
    expect(() => usdc.parse('1.1234567', 'deposit')).toThrow(expect.objectContaining({ message: 'The deposit 1.1234567 has more than 6 decimals; USDC has 6.', code: 'BAD_AMOUNT' }))
  })
  test('zero where it is allowed', () => {
    expect(grid.parse('0', 'limit', { allowZero: true })).toBe(0n)
  })
  test('display of a token with fewer than 6 decimals is exact, positive and negative', () => {
    const cents = new TokenUnits('EUR', 2)
    expect(cents.display(123_456n)).toBe('1,234.56 EUR')
    expect(cents.display(-5n)).toBe('-0.05 EUR')
  })
})
