import { encodeAbiParameters, keccak256, type Hex } from 'viem'

/** What /balance proof hands a user: their own leaf and the siblings up to the root. */
export interface SolvencyProof {
  snapshot: number
  root: Hex
  totalLiabilities: string
  leaf: { amount: string; salt: Hex }
  path: { side: 'left' | 'right'; hash: Hex; sum: string }[]
}

export type VerifySolvencyProofResult = { ok: true } | { ok: false; reason: string }

/** The check docs/solvency.md prints for users, viem only: rebuild the root
 *  from the leaf and the path, refuse any negative sum, and compare it with the
 *  published root and total. Written with encodeAbiParameters on purpose, apart
 *  from the server's byte-level builder, so each checks the other. */
export function verifySolvencyProof(proof: SolvencyProof, published: { root: Hex; totalLiabilities: string }): VerifySolvencyProofResult {
  const word = [{ type: 'bytes32' }, { type: 'uint256' }] as const
  let sum = BigInt(proof.leaf.amount)
  if (sum < 0n) return { ok: false, reason: 'the leaf amount is negative' }
  let hash = keccak256(encodeAbiParameters(word, [proof.leaf.salt, sum]))
  for (const step of proof.path) {
    const stepSum = BigInt(step.sum)
    if (stepSum < 0n) return { ok: false, reason: `a sibling sum on the path is negative (${step.sum})` }
    const [left, right] = step.side === 'left' ? [[step.hash, stepSum], [hash, sum]] : [[hash, sum], [step.hash, stepSum]]
    hash = keccak256(encodeAbiParameters([...word, ...word], [left[0] as Hex, left[1] as bigint, right[0] as Hex, right[1] as bigint]))
    sum += stepSum
  }
  if (hash !== published.root) return { ok: false, reason: `the path leads to ${hash}, not the published root ${published.root}` }
  if (sum !== BigInt(published.totalLiabilities)) return { ok: false, reason: `the path sums to ${sum}, not the published total ${published.totalLiabilities}` }
  return { ok: true }
}
