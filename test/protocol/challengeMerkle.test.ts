import { describe, expect, test } from 'vitest'
import { leafHash, merkleLevels, merkleProof, merkleRoot, verifyMerkleProof } from '../../src/protocol/challengeMerkle.ts'

const rows = [...Array(8).keys()].map((i) => Buffer.from(new Int32Array([i, -i, i * 1000, 7]).buffer))
const levels = merkleLevels(rows.map(leafHash))
const root = merkleRoot(levels)

describe('challenge Merkle tree', () => {
  test('every row proves against the root', () => {
    expect(levels.map((level) => level.length)).toEqual([8, 4, 2, 1])
    for (let i = 0; i < 8; i++) expect(verifyMerkleProof({ root, index: i, size: 8, rowBytes: rows[i]!, proof: merkleProof(levels, i) })).toBe(true)
  })

  test('error: a changed row, a proof for another index, or a short proof does not verify', () => {
    const proof = merkleProof(levels, 5)
    const changed = Buffer.from(rows[5]!)
    changed[0]! ^= 1
    expect(verifyMerkleProof({ root, index: 5, size: 8, rowBytes: changed, proof })).toBe(false)
    expect(verifyMerkleProof({ root, index: 4, size: 8, rowBytes: rows[5]!, proof })).toBe(false)
    expect(verifyMerkleProof({ root, index: 5, size: 8, rowBytes: rows[5]!, proof: proof.slice(0, 2) })).toBe(false)
    expect(verifyMerkleProof({ root, index: 8, size: 8, rowBytes: rows[5]!, proof })).toBe(false)
  })

  test('error: an inner node cannot pass as a leaf (domain separation)', () => {
    // A prover who opens level-1 node 2 as "row 4" with the level-1 path.
    const inner = Buffer.concat([levels[0]![4]!, levels[0]![5]!])
    expect(verifyMerkleProof({ root, index: 2, size: 4, rowBytes: inner, proof: merkleProof(levels, 4).slice(1) })).toBe(false)
  })

  test('error: a leaf count that is not a power of two', () => {
    expect(() => merkleLevels(rows.slice(0, 6).map(leafHash))).toThrow('a challenge tree needs a power-of-two leaf count, got 6')
  })
})
