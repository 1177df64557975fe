import { matrixRow, matrixRowBytes, PRODUCT_BOUND_PER_SIZE } from '../../protocol/challengeMatrices.ts'

/** Freivalds' check of opened product rows without the n³ product: with a
 *  secret random vector r, a claimed row c of C = A·B is right iff
 *  c·r = a·(B·r); a wrong row passes with probability at most 2^-20. B·r
 *  costs one pass over B (n²) and is kept for the hour B lives, so each
 *  challenge then costs O(n) per opened row. r never leaves the coordinator's
 *  memory. All sums stay below 2^53, so float64 is exact:
 *  |B·r| ≤ n·8·2^20, and |a·(B·r)|, |c·r| ≤ n²·64·2^20 ≤ 2^52 for n ≤ 8192. */
const R_BITS = 20

export interface RowCheck {
  /** Is `values` row `row` of A_gpu · B, A expanded from `seed`? */
  isProductRow(seed: Buffer, gpu: number, row: number, values: Int32Array): boolean
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
  return {
    isProductRow(seed, gpu, row, values) {
      if (values.length !== size) return false
      const a = matrixRow(seed, 'A', gpu, row, size)
      let left = 0
      let right = 0
      for (let k = 0; k < size; k++) {
        const c = values[k]!
        // Out-of-range entries are wrong anyway, and would break the exactness above.
        if (c > bound || c < -bound) return false
        left += c * r[k]!
        right += a[k]! * br[k]!
      }
      return left === right
    },
  }
}
