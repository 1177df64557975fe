import { StandardMerkleTree } from '@openzeppelin/merkle-tree'
import { describe, expect, test } from 'vitest'
import { getAddress } from 'viem'
import { EMPTY_ROOT, payoutTree, proofFromDump } from '../../src/rewards/merkle.ts'

const leaves = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ address: getAddress(`0x${(0xa11ce + i * 7919).toString(16).padStart(40, '0')}`), amount: BigInt(i + 1) * 10n ** 17n + BigInt(i * i) }))

describe('payout tree', () => {
  test.each([1, 2, 3, 7, 64, 101])('matches OpenZeppelin StandardMerkleTree exactly for %i leaves: root, dump and every proof', (n) => {
    const input = leaves(n)
    const ours = payoutTree(input)
    const theirs = StandardMerkleTree.of(
      input.map((l) => [l.address, l.amount.toString()]),
      ['address', 'uint256'],
    )
    expect(ours.root).toBe(theirs.root)
    expect(ours.dump).toEqual(theirs.dump())
    const loaded = StandardMerkleTree.load(JSON.parse(JSON.stringify(ours.dump)))
    for (const [i, leaf] of loaded.entries()) {
      const proof = proofFromDump(ours.dump!, leaf[0])
      expect(proof).toEqual({ leaf, proof: loaded.getProof(i), root: theirs.root })
      expect(StandardMerkleTree.verify(ours.root, ['address', 'uint256'], leaf, proof!.proof)).toBe(true)
    }
  })

  test('no payouts: the zero root and no tree; an address not paid has no proof', () => {
    expect(payoutTree([])).toEqual({ root: EMPTY_ROOT, dump: null })
    expect(proofFromDump(payoutTree(leaves(3)).dump!, `0x${'ee'.repeat(20)}`)).toBeUndefined()
  })
})
