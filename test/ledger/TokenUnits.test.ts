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
