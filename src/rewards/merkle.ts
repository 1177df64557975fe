import { StandardMerkleTree } from '@openzeppelin/merkle-tree'
import { createHash } from 'node:crypto'

export const LEAF_ENCODING = ['address', 'uint256'] as const

export const EMPTY_ROOT = `0x${'0'.repeat(64)}`

/** The payouts of an epoch as an OpenZeppelin StandardMerkleTree of (address,
 *  amount); an epoch that pays nobody has the zero root and no tree. */
export function payoutTree(leaves: { address: string; amount: bigint }[]): { root: string; dump: unknown } {
  if (leaves.length === 0) return { root: EMPTY_ROOT, dump: null }
  const tree = StandardMerkleTree.of(
    leaves.map((l) => [l.address, l.amount.toString()]),
    [...LEAF_ENCODING],
  )
  return { root: tree.root, dump: tree.dump() }
}

/** SHA-256 of canonical JSON (sorted keys, bigints as decimal strings):
 *  anyone can recompute it from the published report with any tool. */
export function reportHash(report: unknown): `0x${string}` {
  return `0x${createHash('sha256').update(canonicalJson(report)).digest('hex')}`
}

export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value))
}

function sortKeys(value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString()
  if (Array.isArray(value)) return value.map(sortKeys)
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
    )
  }
  return value
}
