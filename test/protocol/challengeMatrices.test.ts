import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { NVIDIA_RUNNER_SCRIPT } from '../../src/agent/commandChallengeRunner.ts'
import { challengeMatrix, challengeRounds, decodeProductRow, encodeProductRow, isChallengeSize, matrixRow, nextLeftRow, seedBytes, sharedMatrixSeed } from '../../src/protocol/challengeMatrices.ts'

const SEED = seedBytes('11'.repeat(32))

function python(args: string[]) {
  return spawnSync('python3', args, { encoding: 'utf8' })
}
const hasNumpy = python(['-c', 'import numpy']).status === 0
const hasTorch = python(['-c', 'import torch']).status === 0

describe('challenge matrices', () => {
  test('a row is the SHAKE256 expansion of the seed, two entries in [-8, 7] per byte, low nibble first', () => {
    const row = matrixRow(SEED, 'A', 0, 0, 8)
    // Pinned: the Python runner and any other implementation must produce exactly these.
    expect([...row]).toMatchInlineSnapshot(`
      [
        -3,
        4,
        -4,
        3,
        -5,
        -3,
        6,
        -7,
      ]
    `)
    expect(matrixRow(SEED, 'A', 1, 0, 8)).not.toEqual(row)
    expect(matrixRow(SEED, 'B', 0, 0, 8)).not.toEqual(row)
    expect(matrixRow(SEED, 'A', 0, 1, 8)).not.toEqual(row)
    const big = challengeMatrix(SEED, 'B', 0, 256)
    expect(Math.min(...big)).toBe(-8)
    expect(Math.max(...big)).toBe(7)
  })

  test('the product is A_g · B exactly, and rows encode as int32 little-endian', () => {
    const n = 16
    const a = challengeMatrix(SEED, 'A', 2, n)
    const b = challengeMatrix(SEED, 'B', 0, n)
    expect(challengeRounds({ seed: SEED, matrixSeed: seedBytes('22'.repeat(32)) }, 2, n, 1)).not.toEqual(challengeRounds({ seed: SEED, matrixSeed: SEED }, 2, n, 1))
    const [c] = challengeRounds({ seed: SEED, matrixSeed: SEED }, 2, n, 1) as [Int32Array]
    for (const [i, k] of [[0, 0], [3, 7], [15, 15]] as const) {
      let sum = 0
      for (let j = 0; j < n; j++) sum += a[i * n + j]! * b[j * n + k]!
      expect(c[i * n + k]).toBe(sum)
    }
    const row = c.subarray(0, n)
    const bytes = encodeProductRow(row)
    expect(bytes.length).toBe(n * 4)
    expect(bytes.readInt32LE(4)).toBe(row[1])
    expect(decodeProductRow(bytes)).toEqual(new Int32Array(row))
  })

  test('each later round multiplies the low four bits (minus 8) of the previous product by B', () => {
    const n = 16
    const b = challengeMatrix(SEED, 'B', 0, n)
    const [c0, c1, c2] = challengeRounds({ seed: SEED, matrixSeed: SEED }, 0, n, 3) as [Int32Array, Int32Array, Int32Array]
    expect([...nextLeftRow(Int32Array.of(-17, -1, 0, 15, 16, 1000))]).toEqual([7, 7, -8, 7, -8, 0])
    for (const [previous, next] of [[c0, c1], [c1, c2]] as const) {
      for (const [i, k] of [[0, 0], [5, 9], [15, 15]] as const) {
        let sum = 0
        for (let j = 0; j < n; j++) sum += ((previous[i * n + j]! & 15) - 8) * b[j * n + k]!
        expect(next[i * n + k]).toBe(sum)
      }
    }
    expect(c2).not.toEqual(c1)
  })

  test("B's seed is the hour's: the same for every challenge issued in one UTC hour", () => {
    const hour = Date.UTC(2026, 10, 30, 10)
    expect(sharedMatrixSeed(hour)).toBe(sharedMatrixSeed(hour + 3599_999))
    expect(sharedMatrixSeed(hour)).not.toBe(sharedMatrixSeed(hour + 3600_000))
    expect(sharedMatrixSeed(hour)).toMatch(/^[0-9a-f]{64}$/)
  })

  test('sizes are powers of two up to 8192; seeds are 32 bytes of hex', () => {
    expect([64, 4096, 8192].every(isChallengeSize)).toBe(true)
    expect([0, 1, 96, 16384].some(isChallengeSize)).toBe(false)
    expect(() => seedBytes('abc')).toThrow('challenge seed must be 32 bytes of hex, got 3 characters')
  })

  for (const backend of ['numpy', 'torch'] as const) {
    test.skipIf(!(backend === 'numpy' ? hasNumpy : hasTorch))(`the shipped Python runner (${backend}) computes the same products bit for bit`, () => {
      const out = mkdtempSync(join(tmpdir(), 'gs-runner-'))
      try {
        const run = spawnSync('python3', [NVIDIA_RUNNER_SCRIPT, '--matrix-seed', '33'.repeat(32), '--size', '64', '--rounds', '3', '--gpus', '0,1', '--out', out, '--backend', backend], {
          encoding: 'utf8',
          input: `seed ${'11'.repeat(32)}\nchain 1 5\n`,
        })
        expect(run.status, run.stderr).toBe(0)
        expect(run.stdout).toBe('ready\ndone\nchain 1 5\n')
        const rounds = [0, 1].map((gpu) => challengeRounds({ seed: SEED, matrixSeed: seedBytes('33'.repeat(32)) }, gpu, 64, 3))
        for (const gpu of [0, 1]) expect(readFileSync(join(out, `gpu${gpu}.bin`)).equals(encodeProductRow(rounds[gpu]![2]!))).toBe(true)
        // Row 5 of GPU 1's earlier rounds, oldest first.
        expect(readFileSync(join(out, 'chain-1-5.bin')).equals(Buffer.concat([0, 1].map((round) => encodeProductRow(rounds[1]![round]!.subarray(5 * 64, 6 * 64)))))).toBe(true)
      } finally {
        rmSync(out, { recursive: true, force: true })
      }
    })
  }
})
