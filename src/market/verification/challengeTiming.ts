import { MAX_CHALLENGE_ROUNDS } from '../../protocol/challengeMatrices.ts'

/** How big a challenge is and how long it may take. */

/** Declared (--gpus) inventories are computed on the CPU by the agent: small,
 *  with two rounds so the chain is exercised everywhere. */
export const SIMULATED_CHALLENGE_SIZE = 64
export const SIMULATED_CHALLENGE_ROUNDS = 2
/** Real GPUs: the largest size whose coordinator check stays cheap (B·r is one
 *  pass over B, about 0.5 s once an hour) and whose three matrices (768 MiB in
 *  float32) fit any listed GPU. The work per round is 2n³ ≈ 1.1 TFLOP. */
export const PRODUCTION_CHALLENGE_SIZE = 8192
/** The rounds are chosen so the claimed model needs about this long for them
 *  (at most MAX_CHALLENGE_ROUNDS, which bounds what each opened row reveals). */
export const TARGET_WORK_MS = 2_000
/** Before the seed: runner start, CUDA context, B expanded on every GPU. Not timed work. */
export const READY_WINDOW_MS = 60_000
/** After the seed, on top of the work: expanding A, hashing the products and
 *  the round trip. Fixed, so a node must deliver the claimed throughput. */
export const COMMIT_ALLOWANCE_MS = 2_000
export const COMMIT_ALLOWANCE_PER_GPU_MS = 250
/** After the commitment, every opened row must be revealed within this. */
export const REVEAL_WINDOW_MS = 120_000
/** Rows opened per GPU: a product with a fraction f of wrong rows passes with (1-f)^8. */
export const ROWS_OPENED_PER_GPU = 8
/** A node verified on fewer GPUs than it declares (the others were rented and
 *  their proof had lapsed) is challenged again this soon, on whatever is free then. */
export const PARTIAL_RECHECK_MS = 10 * 60_000
/** A failed node may try again after this (a transient fault should not bar it for hours). */
export const RETRY_AFTER_FAILURE_MS = 3600_000

/** Expected time for one GPU to multiply two n×n matrices (2n³ operations), one round. */
export function expectedChallengeMs(size: number, tflops: number): number {
  return (2 * size ** 3) / (tflops * 1e12) * 1000
}

/** Rounds for a real GPU: enough that the claimed model needs about TARGET_WORK_MS. */
export function productionRounds(tflops: number): number {
  return Math.min(MAX_CHALLENGE_ROUNDS, Math.max(1, Math.ceil(TARGET_WORK_MS / expectedChallengeMs(PRODUCTION_CHALLENGE_SIZE, tflops))))
}

/** The commitment deadline, counted from the moment the seed went out. */
export function commitDeadline({ readyAt, expectedMs, marginBps, gpus }: { readyAt: number; expectedMs: number; marginBps: number; gpus: number }): number {
  return readyAt + Math.ceil((expectedMs * marginBps) / 10_000) + COMMIT_ALLOWANCE_MS + COMMIT_ALLOWANCE_PER_GPU_MS * gpus
}

/** Expected over measured time, in basis points (10000 = as fast as the table says). */
export function measuredSpeedBps(expectedMs: number, measuredMs: number): number {
  return Math.round((expectedMs * 10_000) / Math.max(1, measuredMs))
}

/** The slowest of the node's models sets the pace; a model the table lacks
 *  gets the table's lowest figure, so an unknown name buys no slack. */
export function slowestThroughput(models: string[], table: Record<string, number>): number {
  const known = Object.values(table)
  const floor = known.length > 0 ? Math.min(...known) : 1
  return Math.min(...models.map((model) => table[model] ?? floor), Number.POSITIVE_INFINITY) || floor
}
