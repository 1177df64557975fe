import { StandardMerkleTree } from '@openzeppelin/merkle-tree'
import { describe, expect, test } from 'vitest'
import { encodeAbiParameters, keccak256, type Hex } from 'viem'
import { proofFromDump, type PayoutTreeDump } from '../../src/rewards/merkle.ts'
import { TOKEN } from '../support/marketHarness.ts'
import { createRewardsHarness } from '../support/rewardsHarness.ts'

// An independent oracle for the published epoch: the amounts are worked out
// here from the formula, the Merkle tree is rebuilt here from those amounts
// with viem's keccak and ABI encoder (the app uses js-sha3 and hand-packed
// bytes), in OpenZeppelin's StandardMerkleTree layout, and compared with the
// root the app stored and publishes.

const DAY = 24 * 3600_000
const EMISSION = 50_000n * TOKEN

/** keccak256(keccak256(abi.encode(address, uint256))): OpenZeppelin's standard leaf. */
function leafOf(address: string, amount: bigint): Hex {
  return keccak256(keccak256(encodeAbiParameters([{ type: 'address' }, { type: 'uint256' }], [address as Hex, amount])))
}

/** keccak256 of the two children, smaller first (sorted-pair hashing). */
function parentOf(a: Hex, b: Hex): Hex {
  const [x, y] = BigInt(a) < BigInt(b) ? [a, b] : [b, a]
  return keccak256(`0x${x.slice(2)}${y.slice(2)}`)
}

/** OpenZeppelin's complete-binary-tree array: sorted leaves at the end in reverse, parents at ⌊(i−1)/2⌋. */
function rootOf(leaves: Hex[]): Hex {
  const sorted = [...leaves].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0))
  const tree: Hex[] = new Array(2 * sorted.length - 1)
  sorted.forEach((leaf, i) => (tree[tree.length - 1 - i] = leaf))
  for (let i = tree.length - 1 - sorted.length; i >= 0; i--) tree[i] = parentOf(tree[2 * i + 1]!, tree[2 * i + 2]!)
  return tree[0]!
}

/** Walks a proof up from a leaf with the test's own hashing. */
function verify(root: Hex, leaf: Hex, proof: string[]): boolean {
  return proof.reduce<Hex>((node, sibling) => parentOf(node, sibling as Hex), leaf) === root
}

describe('the published epoch against an independent oracle', () => {
  test('amounts from the formula, and the root rebuilt from them, equal what the app published', () => {
    const h = createRewardsHarness()
    const start = h.clock.now
    // Two H100 ×2 nodes (weight 10) and one RTX 4090 ×2 (weight 1.25), all up the whole day, idle:
    // equal uptime and off-peak shares, so the scores are in the ratio of the weights, 8 : 8 : 1.
    const providers = [
      h.provider(1, { nodeKey: 'a' }),
      h.provider(2, { nodeKey: 'b' }),
      h.provider(3, { nodeKey: 'c', gpus: [{ name: 'RTX4090-24GB', memoryMb: 24564, count: 2 }] }),
    ]
    for (const p of providers) h.uptime(p.nodeId, start, start + DAY)
    h.clock.now = start + DAY
    const [epoch] = h.epochs.closeDue()
    const expected = [(EMISSION * 8n) / 17n, (EMISSION * 8n) / 17n, EMISSION / 17n]
    expect(expected).toEqual([23_529_411_764_705_882_352_941n, 23_529_411_764_705_882_352_941n, 2_941_176_470_588_235_294_117n])

    const statements = h.sqlite.prepare('select address, emission, total from epoch_statements where epoch = 1 order by provider_id').all()
    expect(statements).toEqual(providers.map((p, i) => ({ address: p.address, emission: expected[i]!.toString(), total: expected[i]!.toString() })))

    const root = rootOf(providers.map((p, i) => leafOf(p.address, expected[i]!)))
    expect(epoch!.merkleRoot).toBe(root)
    // A second, separate oracle: the OpenZeppelin library itself.
    expect(StandardMerkleTree.of(providers.map((p, i) => [p.address, expected[i]!.toString()]), ['address', 'uint256']).root).toBe(root)
    // Every proof the app hands out verifies against the test's root with the test's hashing.
    const dump = JSON.parse(epoch!.tree) as PayoutTreeDump
    for (const [i, p] of providers.entries()) {
      const published = proofFromDump(dump, p.address)!
      expect(published.leaf).toEqual([p.address, expected[i]!.toString()])
      expect(verify(root, leafOf(p.address, expected[i]!), published.proof)).toBe(true)
      // The same proof with the amount one base unit higher does not verify.
      expect(verify(root, leafOf(p.address, expected[i]! + 1n), published.proof)).toBe(false)
    }
    expect(h.invariants()).toEqual([])
  })

  test('one provider: the root is the leaf itself; a provider below minimum uptime is left out of the tree', () => {
    const h = createRewardsHarness()
    const start = h.clock.now
    const up = h.provider(1, { nodeKey: 'up' })
    const flaky = h.provider(2, { nodeKey: 'flaky' })
    h.uptime(up.nodeId, start, start + DAY)
    // 11 of 24 hours: 45.83 % < the 50 % minimum.
    h.uptime(flaky.nodeId, start, start + 11 * 3600_000)
    h.clock.now = start + DAY
    const [epoch] = h.epochs.closeDue()
    expect(epoch!.merkleRoot).toBe(leafOf(up.address, EMISSION))
    expect(h.sqlite.prepare("select to_address as address, amount from payouts where kind = 'reward'").all()).toEqual([{ address: up.address, amount: EMISSION.toString() }])
  })
})
