import sha3 from 'js-sha3'
import { bytesToHex, hexToBytes, type Hex } from 'viem'

/** The encoding, fixed because anyone re-implements it (docs/solvency.md):
 *    leaf = keccak256(abi.encode(bytes32 salt, uint256 amount))
 *    node = keccak256(abi.encode(bytes32 left, uint256 leftSum, bytes32 right, uint256 rightSum)), sum = leftSum + rightSum
 *  Leaves are sorted by their hash; a level's last node without a partner moves up unchanged.
 *  abi.encode of static types is each value as 32 big-endian bytes, so it is written
 *  here byte by byte: viem's encodeAbiParameters costs ten times more per call. The
 *  hash is js-sha3's keccak256, three times viem's speed; tests check both agree. */
const UINT256_MAX = (1n << 256n) - 1n

export interface SumNode {
  hash: Uint8Array
  sum: bigint
}

export interface MerkleSumLeaf {
  salt: Hex
  amount: bigint
}

/** One sibling on the way up: where it sits, its hash and its sum. */
export interface PathStep {
  side: 'left' | 'right'
  hash: Hex
  sum: string
}

export interface MerkleSumTree {
  /** levels[0] are the leaves in tree order; the last level holds the root. */
  levels: SumNode[][]
  /** The index in levels[0] of input leaf i. */
  positionOf: Int32Array
  root: Hex
  total: bigint
}

export function leafNode(salt: Hex, amount: bigint): SumNode {
  if (amount < 0n || amount > UINT256_MAX) throw new RangeError(`leaf amount ${amount} is outside uint256`)
  const bytes = new Uint8Array(64)
  bytes.set(hexToBytes(salt), 0)
  writeUint256(bytes, 32, amount)
  return { hash: keccak(bytes), sum: amount }
}

export function parentNode(left: SumNode, right: SumNode): SumNode {
  const bytes = new Uint8Array(128)
  bytes.set(left.hash, 0)
  writeUint256(bytes, 32, left.sum)
  bytes.set(right.hash, 64)
  writeUint256(bytes, 96, right.sum)
  return { hash: keccak(bytes), sum: left.sum + right.sum }
}

/** Builds the whole tree in memory, level by level (no recursion). */
export function buildMerkleSumTree(leaves: readonly MerkleSumLeaf[]): MerkleSumTree {
  const hashed = leaves.map((leaf, index) => ({ node: leafNode(leaf.salt, leaf.amount), index }))
  hashed.sort((a, b) => compareBytes(a.node.hash, b.node.hash))
  const positionOf = new Int32Array(leaves.length)
  hashed.forEach((h, position) => (positionOf[h.index] = position))
  const levels: SumNode[][] = [hashed.map((h) => h.node)]
  if (levels[0]!.length === 0) levels[0]!.push({ hash: new Uint8Array(32), sum: 0n })
  while (levels.at(-1)!.length > 1) {
    const level = levels.at(-1)!
    const next: SumNode[] = []
    for (let i = 0; i < level.length; i += 2) next.push(i + 1 < level.length ? parentNode(level[i]!, level[i + 1]!) : level[i]!)
    levels.push(next)
  }
  const root = levels.at(-1)![0]!
  return { levels, positionOf, root: bytesToHex(root.hash), total: root.sum }
}

/** The siblings from input leaf `index` up to the root. */
export function merkleSumPath(tree: MerkleSumTree, index: number): PathStep[] {
  const path: PathStep[] = []
  let position = tree.positionOf[index]!
  for (const level of tree.levels.slice(0, -1)) {
    const siblingAt = position ^ 1
    const sibling = level[siblingAt]
    if (sibling) path.push({ side: siblingAt < position ? 'left' : 'right', hash: bytesToHex(sibling.hash), sum: sibling.sum.toString() })
    position >>= 1
  }
  return path
}

function writeUint256(target: Uint8Array, offset: number, value: bigint): void {
  if (value < 0n || value > UINT256_MAX) throw new RangeError(`sum ${value} is outside uint256`)
  let v = value
  for (let i = offset + 31; i >= offset && v > 0n; i--) {
    target[i] = Number(v & 0xffn)
    v >>= 8n
  }
}

export function keccak(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(sha3.keccak256.arrayBuffer(bytes))
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!
  return 0
}
