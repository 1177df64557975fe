import { StandardMerkleTree } from '@openzeppelin/merkle-tree'
import { keccak256, encodeAbiParameters } from 'viem'
const leaves = Array.from({ length: 10000 }, (_, i) => [`0x${(i + 1).toString(16).padStart(40, '0')}`, (BigInt(i) * 10n ** 18n).toString()])
let t = performance.now()
const tree = StandardMerkleTree.of(leaves, ['address', 'uint256'])
console.log('of', performance.now() - t); t = performance.now()
tree.dump(); console.log('dump', performance.now() - t); t = performance.now()
for (const l of leaves) keccak256(keccak256(encodeAbiParameters([{ type: 'address' }, { type: 'uint256' }], [l[0] as `0x${string}`, BigInt(l[1]!)])))
console.log('viem 2x keccak+encode', performance.now() - t); t = performance.now()
