import { createHash } from 'node:crypto'
import { endianness } from 'node:os'

/** The compute challenge's matrices, shared by the agent's runners and the
 *  coordinator's check, and reimplemented bit for bit by
 *  scripts/challenge-runner/cuda_matmul.py (hashlib.shake_256).
 *
 *  Row `row` of a matrix is SHAKE256 of
 *      ascii("gridshare-challenge-v1") || seed (32 bytes) || ascii(matrix) || u32le(gpu) || u32le(row)
 *  squeezed to size/2 bytes; byte j gives entry 2j (low nibble) and 2j+1
 *  (high nibble), each nibble minus 8, so every entry is an integer in [-8, 7].
 *  Matrix "A" comes from the challenge's own random seed and differs per GPU
 *  index; "B" (gpu = 0) comes from the hour's matrix seed (sharedMatrixSeed),
 *  the same for every challenge issued in that hour, so the coordinator
 *  expands it once an hour rather than once per challenge. Knowing B early
 *  buys nothing: the product with a fresh random A still takes the full work.
 *  GPU g computes `rounds` chained products: C_0 = A_g · B, then
 *  C_i = L(C_{i-1}) · B, where L maps every entry x to (x & 15) - 8 (its low
 *  four bits, two's complement, minus 8: back in [-8, 7]). L is not linear, so
 *  the rounds cannot be folded into one product; row r of C_i depends only on
 *  row r of C_{i-1}, so one row's chain is cheap to recompute and to check.
 *  The last product C_{rounds-1} is the one committed. Every product entry is
 *  at most size·64 in magnitude (< 2^24 up to size 262144), so float32 (or
 *  int8 × int8 → int32) arithmetic is exact on any hardware in any summation
 *  order; products are exchanged as int32. */
export const CHALLENGE_DOMAIN = 'gridshare-challenge-v1'
/** Sizes are powers of two (a perfect Merkle tree over the rows) in this range. */
export const MIN_CHALLENGE_SIZE = 2
export const MAX_CHALLENGE_SIZE = 8192
/** |entry| of a product row is at most size × 8 × 8. */
export const PRODUCT_BOUND_PER_SIZE = 64

export type ChallengeMatrix = 'A' | 'B'

const domainBytes = Buffer.from(CHALLENGE_DOMAIN, 'ascii')
/** B changes every hour. */
export const MATRIX_SEED_WINDOW_MS = 3600_000

/** The hour's seed for B: sha256(ascii("gridshare-challenge-b-v1") || u64le(floor(issuedAt / 1 h))), hex. */
export function sharedMatrixSeed(issuedAt: number): string {
  const window = Buffer.alloc(8)
  window.writeBigUInt64LE(BigInt(Math.floor(issuedAt / MATRIX_SEED_WINDOW_MS)))
  return createHash('sha256').update('gridshare-challenge-b-v1').update(window).digest('hex')
}

export function isChallengeSize(size: number): boolean {
  return Number.isInteger(size) && size >= MIN_CHALLENGE_SIZE && size <= MAX_CHALLENGE_SIZE && (size & (size - 1)) === 0
}

/** The seed as bytes; it is 64 hex digits (32 bytes), with or without 0x. */
export function seedBytes(seed: string): Buffer {
  const hex = seed.startsWith('0x') ? seed.slice(2) : seed
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) throw new Error(`challenge seed must be 32 bytes of hex, got ${seed.length} characters`)
  return Buffer.from(hex, 'hex')
}

/** The size/2 bytes a row expands from (two entries per byte). */
export function matrixRowBytes(seed: Buffer, matrix: ChallengeMatrix, gpu: number, row: number, size: number): Buffer {
  const suffix = Buffer.alloc(9)
  suffix.write(matrix, 0, 'ascii')
  suffix.writeUInt32LE(gpu, 1)
  suffix.writeUInt32LE(row, 5)
  return createHash('shake256', { outputLength: size / 2 })
    .update(domainBytes)
    .update(seed)
    .update(suffix)
    .digest()
}

/** One row of A_gpu or of B, entries in [-8, 7]. */
export function matrixRow(seed: Buffer, matrix: ChallengeMatrix, gpu: number, row: number, size: number): Int8Array {
  const bytes = matrixRowBytes(seed, matrix, gpu, row, size)
  const out = new Int8Array(size)
  for (let j = 0; j < bytes.length; j++) {
    const byte = bytes[j]!
    out[2 * j] = (byte & 15) - 8
    out[2 * j + 1] = (byte >> 4) - 8
  }
  return out
}

/** The whole matrix, row-major. */
export function challengeMatrix(seed: Buffer, matrix: ChallengeMatrix, gpu: number, size: number): Int8Array {
  const out = new Int8Array(size * size)
  for (let row = 0; row < size; row++) out.set(matrixRow(seed, matrix, gpu, row, size), row * size)
  return out
}

/** The left matrix of the next round from a product row: entries back in [-8, 7]. */
export function nextLeftRow(product: ArrayLike<number>): Int8Array {
  const out = new Int8Array(product.length)
  for (let k = 0; k < product.length; k++) out[k] = (product[k]! & 15) - 8
  return out
}

/** The most rounds a challenge has: each opened row reveals its whole chain. */
export const MAX_CHALLENGE_ROUNDS = 32

/** C_0 … C_{rounds-1} for GPU `gpu` exactly, each row-major (the CPU runner: small sizes only). */
export function challengeRounds({ seed, matrixSeed }: { seed: Buffer; matrixSeed: Buffer }, gpu: number, size: number, rounds: number): Int32Array[] {
  const b = challengeMatrix(matrixSeed, 'B', 0, size)
  const products: Int32Array[] = []
  for (let round = 0; round < rounds; round++) {
    const previous = products.at(-1)
    const c = new Int32Array(size * size)
    for (let i = 0; i < size; i++) {
      const a = previous ? nextLeftRow(previous.subarray(i * size, (i + 1) * size)) : matrixRow(seed, 'A', gpu, i, size)
      const out = c.subarray(i * size, (i + 1) * size)
      for (let j = 0; j < size; j++) {
        const aij = a[j]!
        if (aij === 0) continue
        const bRow = j * size
        for (let k = 0; k < size; k++) out[k]! += aij * b[bRow + k]!
      }
    }
    products.push(c)
  }
  return products
}

/** A product row as exchanged and hashed: int32 little-endian per entry. */
export function encodeProductRow(values: Int32Array): Buffer {
  const out = Buffer.allocUnsafe(values.length * 4)
  for (let k = 0; k < values.length; k++) out.writeInt32LE(values[k]!, k * 4)
  return out
}

export function decodeProductRow(bytes: Buffer): Int32Array {
  // A little-endian host reads the bytes as they are (an aligned copy): the coordinator decodes every revealed round.
  if (LITTLE_ENDIAN_HOST) return new Int32Array(new Uint8Array(bytes).buffer, 0, bytes.length >> 2)
  const out = new Int32Array(bytes.length >> 2)
  for (let k = 0; k < out.length; k++) out[k] = bytes.readInt32LE(k * 4)
  return out
}

const LITTLE_ENDIAN_HOST = endianness() === 'LE'
