import { challengeProduct, encodeProductRow, seedBytes } from '../protocol/challengeMatrices.ts'
import type { ChallengeProducts, ChallengeRunner } from './challengeRunner.ts'

/** The largest size the CPU runner takes: 512³ multiply-adds per product is a
 *  few seconds; production sizes need a GPU runner. */
export const CPU_RUNNER_MAX_SIZE = 512

/** Computes challenges exactly in integer arithmetic on the CPU: for declared
 *  (--gpus) inventories, whose challenges are small. */
export const cpuChallengeRunner: ChallengeRunner = {
  async compute({ seed, matrixSeed, size, devices }, signal): Promise<ChallengeProducts> {
    if (size > CPU_RUNNER_MAX_SIZE) throw new Error(`the CPU challenge runner takes sizes up to ${CPU_RUNNER_MAX_SIZE}, not ${size}; pass --challenge-runner for real GPUs`)
    const seeds = { seed: seedBytes(seed), matrixSeed: seedBytes(matrixSeed) }
    const products: Int32Array[] = []
    for (let gpu = 0; gpu < devices.length; gpu++) {
      signal.throwIfAborted()
      products.push(challengeProduct(seeds, gpu, size))
      // Let heartbeats and reports through between products.
      await new Promise((resolve) => setImmediate(resolve))
    }
    return {
      row: (gpu, row) => encodeProductRow(products[gpu]!.subarray(row * size, (row + 1) * size)),
      dispose: () => void products.splice(0),
    }
  },
}
