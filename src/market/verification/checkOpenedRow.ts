import { matrixRow, matrixRowBytes, PRODUCT_BOUND_PER_SIZE } from '../../protocol/challengeMatrices.ts'

/** Freivalds' check of opened product rows without the n³ product: with a
 *  secret random vector r, a claimed row c of C = A·B is right iff
 *  c·r = a·(B·r); a wrong row passes with probability at most 2^-20. B·r
 *  costs one pass over B (n²) and is kept for the hour B lives, so each
 *  challenge then costs O(n) per opened row. r never leaves the coordinator's
 *  memory. A chained challenge checks every round's row the same way, each
 *  round's left row derived from the previous one (O(rounds·n) per opened row).
 *  All sums stay below 2^53, so float64 is exact:
 *  |B·r| ≤ n·8·2^20, and |a·(B·r)|, |c·r| ≤ n²·64·2^20 ≤ 2^52 for n ≤ 8192. */
const R_BITS = 20

export interface RowCheck {
  /** Are `chain` row `row` of C_0 … C_{k-1} (see challengeMatrices.ts), A expanded from `seed`? */
  isProductChain(seed: Buffer, gpu: number, row: number, chain: Int32Array[]): boolean
}

/** Expands B from its seed once and projects it on a fresh r from `randomBytes`. */
export function prepareRowCheck({ matrixSeed, size, randomBytes }: { matrixSeed: Buffer; size: number; randomBytes: (n: number) => Uint8Array }): RowCheck {
  const bytes = randomBytes(size * 4)
  const r = new Float64Array(size)
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  for (let k = 0; k < size; k++) r[k] = view.getUint32(k * 4, true) >>> (32 - R_BITS)
  const br = new Float64Array(size)
  for (let j = 0; j < size; j++) {
    // Decoded in place (see matrixRow): this loop is the coordinator's whole O(n²).
    const packed = matrixRowBytes(matrixSeed, 'B', 0, j, size)
    let sum = 0
    for (let p = 0, k = 0; p < packed.length; p++, k += 2) {
      const byte = packed[p]!
      sum += ((byte & 15) - 8) * r[k]! + ((byte >> 4) - 8) * r[k + 1]!
    }
    br[j] = sum
  }
  const bound = size * PRODUCT_BOUND_PER_SIZE
  /** Is c = left · B (one round of one row)? `left` is A's row, or the previous round's row reduced (see nextLeftRow). */
  const isRound = (c: Int32Array, a: Int8Array, previous: Int32Array | undefined): boolean => {
    if (c.length !== size) return false
    let sumC = 0
    let sumLeft = 0
    for (let k = 0; k < size; k++) {
      const value = c[k]!
      // Out-of-range entries are wrong anyway, and would break the exactness above.
      if (value > bound || value < -bound) return false
      sumC += value * r[k]!
    }
    // Two loops rather than a branch per entry: this is the coordinator's hot path.
    if (previous) for (let k = 0; k < size; k++) sumLeft += ((previous[k]! & 15) - 8) * br[k]!
    else for (let k = 0; k < size; k++) sumLeft += a[k]! * br[k]!
    return sumC === sumLeft
  }
  return {
    isProductChain(seed, gpu, row, chain) {
      const a = matrixRow(seed, 'A', gpu, row, size)
      // chain[-1] is undefined: round 0 starts from A's row.
      return chain.length > 0 && chain.every((c, round) => isRound(c, a, chain[round - 1]))
    },
  }
}
