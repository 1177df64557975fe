/** How big a challenge is and how long it may take. */

/** Declared (--gpus) inventories are computed on the CPU by the agent: small. */
export const SIMULATED_CHALLENGE_SIZE = 64
/** Real GPUs. The coordinator's check costs O(n²) (it must expand B), and the
 *  product must fit the smallest listed GPU three times over; 4096 keeps the
 *  check near 0.1 s and the matrices at 64 MiB. At this size the GPU's part
 *  is milliseconds, so the deadline is dominated by the start-up allowance:
 *  the challenge proves a correct product per claimed GPU slot, not the model. */
export const PRODUCTION_CHALLENGE_SIZE = 4096
/** Runner start (interpreter, CUDA context), matrix expansion, hashing and the round trip. */
export const CHALLENGE_STARTUP_ALLOWANCE_MS = 60_000
/** After the commitment, every opened row must be revealed within this. */
export const REVEAL_WINDOW_MS = 120_000
/** Rows opened per GPU: a product with a fraction f of wrong rows passes with (1-f)^8. */
export const ROWS_OPENED_PER_GPU = 8
/** A failed node may try again after this (a transient fault should not bar it for hours). */
export const RETRY_AFTER_FAILURE_MS = 3600_000

/** Expected time for one GPU to multiply two n×n matrices (2n³ operations). */
export function expectedChallengeMs(size: number, tflops: number): number {
  return (2 * size ** 3) / (tflops * 1e12) * 1000
}

export function commitDeadline({ issuedAt, expectedMs, marginBps }: { issuedAt: number; expectedMs: number; marginBps: number }): number {
  return issuedAt + Math.ceil((expectedMs * marginBps) / 10_000) + CHALLENGE_STARTUP_ALLOWANCE_MS
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
