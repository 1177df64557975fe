import { randomBytes } from 'node:crypto'
import { expect, test } from 'vitest'
import { prepareRowCheck } from '../../../src/market/verification/checkOpenedRow.ts'
import { challengeRounds, PRODUCT_BOUND_PER_SIZE, seedBytes } from '../../../src/protocol/challengeMatrices.ts'

const size = 16
const seeds = { seed: seedBytes('44'.repeat(32)), matrixSeed: seedBytes('55'.repeat(32)) }
const rounds = challengeRounds(seeds, 1, size, 3)
const rowOf = (round: number, row: number) => rounds[round]!.slice(row * size, (row + 1) * size)
const chainOf = (row: number) => [0, 1, 2].map((round) => rowOf(round, row))

/** r = 1 everywhere (4096 >>> 12): then c·r is the plain sum of c, so a forged row that keeps its sum passes the projection. */
const onesForR = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i % 4 === 1 ? 0x10 : 0))

test('an honest chain passes; an empty chain, a short row or a wrong round does not', () => {
  const check = prepareRowCheck({ matrixSeed: seeds.matrixSeed, size, randomBytes })
  expect(check.isProductChain(seeds.seed, 1, 5, chainOf(5))).toBe(true)
  expect(check.isProductChain(seeds.seed, 1, 5, [])).toBe(false)
  expect(check.isProductChain(seeds.seed, 1, 5, [rowOf(0, 5).slice(0, size - 1), rowOf(1, 5), rowOf(2, 5)])).toBe(false)
  // The right rows of another GPU, or another row.
  expect(check.isProductChain(seeds.seed, 0, 5, chainOf(5))).toBe(false)
  expect(check.isProductChain(seeds.seed, 1, 6, chainOf(5))).toBe(false)
  const late = chainOf(5)
  late[2]![3]! += 1
  expect(check.isProductChain(seeds.seed, 1, 5, late)).toBe(false)
})

/** Row 2 of round 0 with entry k set to `value`, the others moved one unit at a time to keep the sum:
 *  with r = 1, c·r is unchanged, so only the bound check can tell it from the honest row. */
function sameSumWith(k: number, value: number) {
  const row = rowOf(0, 2).slice()
  const step = value > row[k]! ? -1 : 1
  let units = Math.abs(value - row[k]!)
  row[k] = value
  for (let i = (k + 1) % size; units > 0; i = (i + 1) % size === k ? (i + 2) % size : (i + 1) % size, units--) row[i]! += step
  return row
}

test('entries beyond ±bound are refused even when the projection would not notice; ±bound itself is allowed', () => {
  const check = prepareRowCheck({ matrixSeed: seeds.matrixSeed, size, randomBytes: onesForR })
  const bound = size * PRODUCT_BOUND_PER_SIZE
  // One round only, so the forged row does not feed a next round.
  expect(check.isProductChain(seeds.seed, 1, 2, [rowOf(0, 2)])).toBe(true)
  const sum = (row: Int32Array) => row.reduce((a, b) => a + b, 0)
  for (const [k, value, passes] of [
    [0, bound + 1, false],
    [1, -bound - 1, false],
    [0, bound, true],
    [1, -bound, true],
  ] as const) {
    const row = sameSumWith(k, value)
    expect(sum(row)).toBe(sum(rowOf(0, 2)))
    // Only entry k is at or past the bound.
    expect(row.filter((v, i) => i !== k && Math.abs(v) >= bound)).toEqual(new Int32Array())
    expect(check.isProductChain(seeds.seed, 1, 2, [row])).toBe(passes)
  }
})

test('error: a row longer than the size is refused even when its first entries are right', () => {
  const check = prepareRowCheck({ matrixSeed: seeds.matrixSeed, size, randomBytes })
  expect(check.isProductChain(seeds.seed, 1, 5, [rowOf(0, 5)])).toBe(true)
  expect(check.isProductChain(seeds.seed, 1, 5, [Int32Array.of(...rowOf(0, 5), 0)])).toBe(false)
})

test('r is the top 20 bits of each little-endian 32-bit word: a forgery passes exactly when it is orthogonal to r', () => {
  // Word 0 = 0x00001000 → r0 = 1; word 1 = 0x00010000 → r1 = 16; every other r is 0.
  // (Read big-endian they would give r0 = 256, r1 = 0; the top 12 bits would give 0 everywhere.)
  const bytes = new Uint8Array(size * 4)
  bytes[1] = 0x10
  bytes[6] = 0x01
  const check = prepareRowCheck({ matrixSeed: seeds.matrixSeed, size, randomBytes: () => bytes })
  const forged = (changes: [number, number][]) => {
    const row = rowOf(0, 5).slice()
    for (const [k, delta] of changes) row[k]! += delta
    return check.isProductChain(seeds.seed, 1, 5, [row])
  }
  expect(forged([])).toBe(true)
  // 16·r0 − 1·r1 = 0: unseen. Entries where r is 0 are unseen too: why r is secret and random.
  expect(forged([[0, 16], [1, -1]])).toBe(true)
  expect(forged([[2, 5]])).toBe(true)
  expect(forged([[0, 1]])).toBe(false)
  expect(forged([[1, 1]])).toBe(false)
  expect(forged([[0, 1], [1, -1]])).toBe(false)
})
