import { challengeRounds, encodeProductRow, seedBytes } from '../../../src/protocol/challengeMatrices.ts'
import { leafHash, merkleLevels, merkleProof, merkleRoot } from '../../../src/protocol/challengeMerkle.ts'
import type { ChallengeAnswer, ChallengeOrder, RevealChallengeBody } from '../../../src/protocol/agentProtocol.ts'

/** A prover for tests: computes the chained products (or wrong ones), commits
 *  and reveals exactly as an agent would, with hooks to cheat at each step.
 *  `tamper` sees every round's row (round rounds-1 is the committed one). */
export function prover(
  order: ChallengeOrder,
  ready: ChallengeAnswer,
  { gpus = order.gpus, tamper }: { gpus?: number; tamper?: (gpu: number, row: number, values: Int32Array, round: number) => void } = {},
) {
  const seeds = { seed: seedBytes(ready.seed!), matrixSeed: seedBytes(order.matrixSeed) }
  /** rows[gpu][round][row] */
  const rows = [...Array(gpus).keys()].map((gpu) =>
    challengeRounds(seeds, gpu, order.size, order.rounds).map((product, round) =>
      [...Array(order.size).keys()].map((row) => {
        const values = product.slice(row * order.size, (row + 1) * order.size)
        tamper?.(gpu, row, values, round)
        return encodeProductRow(values)
      }),
    ),
  )
  const last = (gpu: number) => rows[gpu]!.at(-1)!
  const trees = rows.map((_, gpu) => merkleLevels(last(gpu).map(leafHash)))
  return {
    /** The committed (last) round's rows per GPU. */
    rows: rows.map((_, gpu) => last(gpu)),
    roots: trees.map(merkleRoot) as string[],
    reveal(gpu: number, open: number[]): RevealChallengeBody {
      return {
        gpu,
        rows: open.map((row) => ({
          row,
          values: last(gpu)[row]!.toString('base64'),
          proof: merkleProof(trees[gpu]!, row),
          chain: rows[gpu]!.slice(0, -1).map((round) => round[row]!.toString('base64')),
        })),
      }
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
