import { challengeProduct, encodeProductRow, seedBytes } from '../../../src/protocol/challengeMatrices.ts'
import { leafHash, merkleLevels, merkleProof, merkleRoot } from '../../../src/protocol/challengeMerkle.ts'
import type { ChallengeAnswer, ChallengeOrder, RevealChallengeBody } from '../../../src/protocol/agentProtocol.ts'

/** A prover for tests: computes the products (or wrong ones), commits and
 *  reveals exactly as an agent would, with hooks to cheat at each step. */
export function prover(order: ChallengeOrder, { gpus = order.gpus, tamper }: { gpus?: number; tamper?: (gpu: number, row: number, values: Int32Array) => void } = {}) {
  const seeds = { seed: seedBytes(order.seed), matrixSeed: seedBytes(order.matrixSeed) }
  const rows = [...Array(gpus).keys()].map((gpu) => {
    const product = challengeProduct(seeds, gpu, order.size)
    return [...Array(order.size).keys()].map((row) => {
      const values = product.slice(row * order.size, (row + 1) * order.size)
      tamper?.(gpu, row, values)
      return encodeProductRow(values)
    })
  })
  const trees = rows.map((gpuRows) => merkleLevels(gpuRows.map(leafHash)))
  return {
    rows,
    roots: trees.map(merkleRoot) as string[],
    reveal(gpu: number, open: number[]): RevealChallengeBody {
      return { gpu, rows: open.map((row) => ({ row, values: rows[gpu]![row]!.toString('base64'), proof: merkleProof(trees[gpu]!, row) })) }
    },
    /** Reveals every opened GPU in turn; the last answer. */
    revealAll(committed: ChallengeAnswer, send: (body: RevealChallengeBody) => ChallengeAnswer): ChallengeAnswer {
      let answer = committed
      for (const { gpu, rows: open } of committed.open ?? []) {
        answer = send(this.reveal(gpu, open))
        if (answer.status === 'failed') return answer
      }
      return answer
    },
  }
}
