import { encodeAbiParameters, keccak256, toHex, type Hex } from 'viem'
import { describe, expect, test } from 'vitest'
import { buildMerkleSumTree, leafNode, merkleSumPath, parentNode } from '../../src/solvency/merkleSumTree.ts'
import { verifySolvencyProof } from '../../src/solvency/verifySolvencyProof.ts'
import { snapshotSalt } from '../../src/solvency/accountSalts.ts'

const salt = (i: number): Hex => keccak256(toHex(`salt ${i}`))
const leaves = (amounts: bigint[]) => amounts.map((amount, i) => ({ salt: salt(i), amount }))

function proofOf(amounts: bigint[], index: number) {
  const tree = buildMerkleSumTree(leaves(amounts))
  return { tree, proof: { snapshot: 1, root: tree.root, totalLiabilities: tree.total.toString(), leaf: { amount: amounts[index]!.toString(), salt: salt(index) }, path: merkleSumPath(tree, index) } }
}

describe('Merkle-sum tree', () => {
  test('leaf and node hashes are abi.encode as documented', () => {
    const leaf = leafNode(salt(0), 123n)
    expect(toHex(leaf.hash)).toBe(keccak256(encodeAbiParameters([{ type: 'bytes32' }, { type: 'uint256' }], [salt(0), 123n])))
    const other = leafNode(salt(1), 2n ** 200n)
    const node = parentNode(leaf, other)
    expect(toHex(node.hash)).toBe(
      keccak256(encodeAbiParameters([{ type: 'bytes32' }, { type: 'uint256' }, { type: 'bytes32' }, { type: 'uint256' }], [toHex(leaf.hash), 123n, toHex(other.hash), 2n ** 200n])),
    )
    expect(node.sum).toBe(2n ** 200n + 123n)
  })

  test('the per-snapshot salt is keccak256(abi.encode(bytes32 secret, uint256 snapshot))', () => {
    expect(snapshotSalt(salt(9), 42)).toBe(keccak256(encodeAbiParameters([{ type: 'bytes32' }, { type: 'uint256' }], [salt(9), 42n])))
    expect(snapshotSalt(salt(9), 43)).not.toBe(snapshotSalt(salt(9), 42))
  })

  test.each([1, 2, 3, 5, 8, 13])('every one of %i leaves verifies against the root and the total', (count) => {
    const amounts = Array.from({ length: count }, (_, i) => BigInt(i * 1_000_003) * 10n ** 15n)
    for (let i = 0; i < count; i++) {
      const { tree, proof } = proofOf(amounts, i)
      expect(tree.total).toBe(amounts.reduce((a, b) => a + b, 0n))
      expect(verifySolvencyProof(proof, { root: tree.root, totalLiabilities: tree.total.toString() })).toEqual({ ok: true })
    }
  })

  test('error: a leaf claiming more than was committed does not reach the root', () => {
    const { tree, proof } = proofOf([5n, 7n, 11n], 1)
    const result = verifySolvencyProof({ ...proof, leaf: { ...proof.leaf, amount: '8' } }, { root: tree.root, totalLiabilities: tree.total.toString() })
    expect(result.ok).toBe(false)
    expect(result).toMatchObject({ reason: expect.stringMatching(/^the path leads to 0x[0-9a-f]{64}, not the published root 0x/) })
  })

  test('error: a negative sibling sum is refused before hashing', () => {
    const { tree, proof } = proofOf([5n, 7n], 0)
    const path = [{ ...proof.path[0]!, sum: '-7' }]
    expect(verifySolvencyProof({ ...proof, path }, { root: tree.root, totalLiabilities: tree.total.toString() })).toEqual({ ok: false, reason: 'a sibling sum on the path is negative (-7)' })
  })

  test('error: a root that commits to a different total is refused', () => {
    const { tree, proof } = proofOf([5n, 7n, 1n], 2)
    expect(verifySolvencyProof(proof, { root: tree.root, totalLiabilities: '12' })).toEqual({ ok: false, reason: 'the path sums to 13, not the published total 12' })
  })

  test('a negative amount cannot be put into the tree', () => {
    expect(() => buildMerkleSumTree(leaves([1n, -1n]))).toThrow('leaf amount -1 is outside uint256')
  })

  test('an empty tree has the zero root and total 0', () => {
    expect(buildMerkleSumTree([])).toMatchObject({ root: `0x${'0'.repeat(64)}`, total: 0n })
  })

  test('leaves sit in hash order, not in input order', () => {
    const tree = buildMerkleSumTree(leaves([1n, 2n, 3n, 4n]))
    const hashes = tree.levels[0]!.map((n) => toHex(n.hash))
    expect(hashes).toEqual([...hashes].sort())
  })
})
