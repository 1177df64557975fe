import { challengeRounds, encodeProductRow, seedBytes } from '../protocol/challengeMatrices.ts'
import type { ChallengeRunner, PreparedChallenge } from './challengeRunner.ts'

/** The largest size the CPU runner takes: 512³ multiply-adds per round is a
 *  few seconds; production sizes need a GPU runner. */
export const CPU_RUNNER_MAX_SIZE = 512

/** Computes challenges exactly in integer arithmetic on the CPU: for declared
 *  (--gpus) inventories, whose challenges are small. */
export const cpuChallengeRunner: ChallengeRunner = {
  async prepare({ matrixSeed, size, rounds, devices }): Promise<PreparedChallenge> {
    if (size > CPU_RUNNER_MAX_SIZE) throw new Error(`the CPU challenge runner takes sizes up to ${CPU_RUNNER_MAX_SIZE}, not ${size}; pass --challenge-runner for real GPUs`)
    /** Per GPU, every round's product. */
    const products: Int32Array[][] = []
    const rowOf = (product: Int32Array, row: number) => encodeProductRow(product.subarray(row * size, (row + 1) * size))
    return {
      async compute(seed, signal) {
        const seeds = { seed: seedBytes(seed), matrixSeed: seedBytes(matrixSeed) }
        for (let gpu = 0; gpu < devices.length; gpu++) {
          signal.throwIfAborted()
          products.push(challengeRounds(seeds, gpu, size, rounds))
          // Let heartbeats and reports through between products.
          await new Promise((resolve) => setImmediate(resolve))
        }
      },
      row: (gpu, row) => rowOf(products[gpu]!.at(-1)!, row),
      chain: async (gpu, row) => products[gpu]!.slice(0, -1).map((product) => rowOf(product, row)),
      dispose: () => void products.splice(0),
    }
  },
}
