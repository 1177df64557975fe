import { createHash } from 'node:crypto'

/** The commitment to one GPU's product: a Merkle tree over its rows.
 *  leaf   = sha256(0x00 || row as int32 little-endian entries)
 *  parent = sha256(0x01 || left || right)
 *  The row count is a power of two, so the tree is perfect; a proof is the
 *  log2(size) sibling hashes from the leaf up, the row index choosing the side.
 *  Roots and proof hashes travel as 0x-prefixed hex. */
const LEAF = Buffer.from([0])
const NODE = Buffer.from([1])

export function leafHash(rowBytes: Buffer): Buffer {
  return createHash('sha256').update(LEAF).update(rowBytes).digest()
}

function parentHash(left: Buffer, right: Buffer): Buffer {
  return createHash('sha256').update(NODE).update(left).update(right).digest()
}

/** Every level of the tree, leaves first, the root last (a single hash). */
export function merkleLevels(leaves: Buffer[]): Buffer[][] {
  if (leaves.length === 0 || (leaves.length & (leaves.length - 1)) !== 0) throw new Error(`a challenge tree needs a power-of-two leaf count, got ${leaves.length}`)
  const levels = [leaves]
  while (levels.at(-1)!.length > 1) {
    const below = levels.at(-1)!
    const level: Buffer[] = []
    for (let i = 0; i < below.length; i += 2) level.push(parentHash(below[i]!, below[i + 1]!))
    levels.push(level)
  }
  return levels
}

export function merkleRoot(levels: Buffer[][]): `0x${string}` {
  return `0x${levels.at(-1)![0]!.toString('hex')}`
}

export function merkleProof(levels: Buffer[][], index: number): `0x${string}`[] {
  const proof: `0x${string}`[] = []
  for (let depth = 0, i = index; depth < levels.length - 1; depth++, i >>= 1) proof.push(`0x${levels[depth]![i ^ 1]!.toString('hex')}`)
  return proof
}

/** True when `rowBytes` is leaf `index` of a tree of `size` leaves with this root. */
export function verifyMerkleProof({ root, index, size, rowBytes, proof }: { root: string; index: number; size: number; rowBytes: Buffer; proof: string[] }): boolean {
  if (proof.length !== Math.log2(size) || index < 0 || index >= size) return false
  let hash = leafHash(rowBytes)
  for (let depth = 0, i = index; depth < proof.length; depth++, i >>= 1) {
    const sibling = Buffer.from(proof[depth]!.slice(2), 'hex')
    if (sibling.length !== 32) return false
    hash = i & 1 ? parentHash(sibling, hash) : parentHash(hash, sibling)
  }
  return `0x${hash.toString('hex')}` === root.toLowerCase()
}
