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

test('an entry past the bound is refused even when the projection would not notice', () => {
  const check = prepareRowCheck({ matrixSeed: seeds.matrixSeed, size, randomBytes: onesForR })
  const bound = size * PRODUCT_BOUND_PER_SIZE
  // One round only, so the forged row does not feed a next round.
  const honest = rowOf(0, 2)
  expect(check.isProductChain(seeds.seed, 1, 2, [honest])).toBe(true)
  for (const [up, down] of [
    [bound + 1 - honest[0]!, 0],
    [0, bound + 1 + honest[1]!],
  ] as const) {
    const forged = honest.slice()
    // Same sum, so c·r is unchanged with r = 1: only the bound check can refuse it.
    const shift = up || down
    forged[0]! += up ? shift : -shift
    forged[1]! -= up ? shift : -shift
    expect(forged.reduce((a, b) => a + b, 0)).toBe(honest.reduce((a, b) => a + b, 0))
    expect(check.isProductChain(seeds.seed, 1, 2, [forged])).toBe(false)
  }
  // Exactly at the bound is allowed: entry 0 raised to the bound, the other entries lowered to keep the sum.
  const atBound = honest.slice()
  let shift = bound - honest[0]!
  atBound[0] = bound
  for (let k = 1; shift > 0; k = (k % (size - 1)) + 1, shift--) atBound[k]! -= 1
  expect(Math.min(...atBound)).toBeGreaterThanOrEqual(-bound)
  expect(check.isProductChain(seeds.seed, 1, 2, [atBound])).toBe(true)
})
