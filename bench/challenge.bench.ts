import { createHash, randomBytes } from 'node:crypto'
import { prepareRowCheck } from '../src/market/verification/checkOpenedRow.ts'
import { PRODUCTION_CHALLENGE_SIZE, ROWS_OPENED_PER_GPU } from '../src/market/verification/challengeTiming.ts'
import { challengeMatrix, decodeProductRow, encodeProductRow, MAX_CHALLENGE_ROUNDS, matrixRow, nextLeftRow, seedBytes } from '../src/protocol/challengeMatrices.ts'
import { leafHash, merkleLevels, merkleProof, merkleRoot, verifyMerkleProof } from '../src/protocol/challengeMerkle.ts'
import { measure, type BenchRow } from './measure.ts'

/** The coordinator's cost of judging compute challenges at production size
 *  and the most rounds. Once per hour it expands that hour's B and projects
 *  it (B·r, O(n²)); each challenge then costs, per opened row, one Merkle
 *  proof, one row of A and two dot products per round (O(rounds·n)). The
 *  agent's side (rounds·n³ per GPU) runs on the provider's GPU and is not
 *  measured here. A challenge on g GPUs costs g times the 1-GPU row. */
export default async function run(): Promise<BenchRow[]> {
  const size = PRODUCTION_CHALLENGE_SIZE
  const rounds = MAX_CHALLENGE_ROUNDS
  const matrixSeed = seedBytes(createHash('sha256').update(`bench-b-${size}`).digest('hex'))
  const seed = seedBytes(createHash('sha256').update(`bench-a-${size}`).digest('hex'))
  const projection = await measure(`challenge verify: expand the hour's B and project it (B·r), n=${size}`, { total: 3, concurrency: 1 }, () => prepareRowCheck({ matrixSeed, size, randomBytes }))
  const check = prepareRowCheck({ matrixSeed, size, randomBytes })
  const opened = Array.from({ length: ROWS_OPENED_PER_GPU }, (_, i) => (i * 997 + 13) % size)
  const revealed = honestOpening({ seed, matrixSeed }, size, rounds, opened)
  const judged = await measure(`challenge verify: one GPU, ${opened.length} rows opened with ${rounds}-round chains, n=${size}`, { total: 100, concurrency: 1 }, () => {
    for (const { row, chain, proof, root } of revealed) {
      if (!verifyMerkleProof({ root, index: row, size, rowBytes: chain.at(-1)!, proof }) || !check.isProductChain(seed, 0, row, chain.map(decodeProductRow))) throw new Error('an honest row failed')
    }
  })
  return [
    { ...projection, note: 'once per hour, not per challenge' },
    { ...judged, note: 'ops/s = GPU verifications per second on one core, B·r cached; g GPUs cost g times this' },
  ]
}

/** The opened rows of an honest chain, each proved against the GPU's tree;
 *  the other leaves are stand-ins, as computing all n rows is the GPU's job. */
function honestOpening(seeds: { seed: Buffer; matrixSeed: Buffer }, size: number, rounds: number, opened: number[]) {
  const b = challengeMatrix(seeds.matrixSeed, 'B', 0, size)
  const leaves = Array.from({ length: size }, () => randomBytes(32) as Buffer)
  const chains = new Map<number, Buffer[]>()
  for (const row of opened) {
    let left: Int8Array = matrixRow(seeds.seed, 'A', 0, row, size)
    const chain: Buffer[] = []
    for (let round = 0; round < rounds; round++) {
      const out = new Int32Array(size)
      for (let j = 0; j < size; j++) {
        const aij = left[j]!
        if (aij === 0) continue
        for (let k = 0; k < size; k++) out[k]! += aij * b[j * size + k]!
      }
      chain.push(encodeProductRow(out))
      left = nextLeftRow(out)
    }
    chains.set(row, chain)
    leaves[row] = leafHash(chain.at(-1)!)
  }
  const tree = merkleLevels(leaves)
  return opened.map((row) => ({ row, chain: chains.get(row)!, proof: merkleProof(tree, row), root: merkleRoot(tree) }))
}
