import { createHash, randomBytes } from 'node:crypto'
import { prepareRowCheck } from '../src/market/verification/checkOpenedRow.ts'
import { PRODUCTION_CHALLENGE_SIZE, ROWS_OPENED_PER_GPU } from '../src/market/verification/challengeTiming.ts'
import { challengeMatrix, decodeProductRow, encodeProductRow, matrixRow, seedBytes } from '../src/protocol/challengeMatrices.ts'
import { leafHash, merkleLevels, merkleProof, merkleRoot, verifyMerkleProof } from '../src/protocol/challengeMerkle.ts'
import { measure, type BenchRow } from './measure.ts'

/** The coordinator's cost of judging compute challenges at production size.
 *  Once per hour and size it expands that hour's B and projects it (B·r,
 *  O(n²)); each challenge then costs, per opened row, one Merkle proof, one
 *  row of A and two dot products (O(n)). The agent's side (the n³ product)
 *  runs on the provider's GPU and is not measured here. */
export default async function run(): Promise<BenchRow[]> {
  const rows: BenchRow[] = []
  for (const size of [PRODUCTION_CHALLENGE_SIZE, 8192]) {
    const matrixSeed = seedBytes(createHash('sha256').update(`bench-b-${size}`).digest('hex'))
    const seed = seedBytes(createHash('sha256').update(`bench-a-${size}`).digest('hex'))
    const projection = await measure(`challenge verify: expand the hour's B and project it (B·r), n=${size}`, { total: size === 8192 ? 3 : 5, concurrency: 1 }, () =>
      prepareRowCheck({ matrixSeed, size, randomBytes }),
    )
    rows.push({ ...projection, note: 'once per hour per size, not per challenge' })
    const check = prepareRowCheck({ matrixSeed, size, randomBytes })
    for (const gpus of [1, 8]) {
      const opened = Array.from({ length: gpus * ROWS_OPENED_PER_GPU }, (_, i) => ({ gpu: i % gpus, row: (i * 997 + 13) % size }))
      const revealed = honestOpening({ seed, matrixSeed }, size, opened)
      const judged = await measure(`challenge verify: one ${gpus}-GPU challenge (${opened.length} rows opened), n=${size}`, { total: 200, concurrency: 1 }, () => {
        for (const { gpu, row, bytes, proof, root } of revealed) {
          if (!verifyMerkleProof({ root, index: row, size, rowBytes: bytes, proof }) || !check.isProductRow(seed, gpu, row, decodeProductRow(bytes))) throw new Error('an honest row failed')
        }
      })
      rows.push({ ...judged, note: 'ops/s = node verifications per second on one core, B·r cached' })
    }
  }
  return rows
}

/** The opened rows of an honest product, each proved against its GPU's tree;
 *  the other leaves are stand-ins, as computing all n rows (n³) is the GPU's job. */
function honestOpening(seeds: { seed: Buffer; matrixSeed: Buffer }, size: number, opened: { gpu: number; row: number }[]) {
  const b = challengeMatrix(seeds.matrixSeed, 'B', 0, size)
  const gpus = Math.max(...opened.map((o) => o.gpu)) + 1
  const leaves = Array.from({ length: gpus }, () => Array.from({ length: size }, () => randomBytes(32) as Buffer))
  const bytesOf = new Map<string, Buffer>()
  for (const { gpu, row } of opened) {
    const a = matrixRow(seeds.seed, 'A', gpu, row, size)
    const out = new Int32Array(size)
    for (let j = 0; j < size; j++) {
      const aij = a[j]!
      for (let k = 0; k < size; k++) out[k]! += aij * b[j * size + k]!
    }
    const bytes = encodeProductRow(out)
    bytesOf.set(`${gpu}:${row}`, bytes)
    leaves[gpu]![row] = leafHash(bytes)
  }
  const trees = leaves.map((gpuLeaves) => merkleLevels(gpuLeaves))
  return opened.map(({ gpu, row }) => ({ gpu, row, bytes: bytesOf.get(`${gpu}:${row}`)!, proof: merkleProof(trees[gpu]!, row), root: merkleRoot(trees[gpu]!) }))
}
