import { readFileSync } from 'node:fs'
import { expect, test } from 'vitest'

test('docs/solvency.md shows the verification function the tests run, unchanged', () => {
  const docs = readFileSync(new URL('../../docs/solvency.md', import.meta.url), 'utf8')
  const source = readFileSync(new URL('../../src/solvency/verifySolvencyProof.ts', import.meta.url), 'utf8').trimEnd()
  const block = /```ts\n([\s\S]*?)\n```/.exec(docs)![1]!
  expect(block.startsWith(source + '\n')).toBe(true)
  // viem only: nothing of Gridshare's own is imported.
  expect(block.match(/^import .+$/gm)).toEqual(["import { encodeAbiParameters, keccak256, type Hex } from 'viem'", "import { readFileSync } from 'node:fs'"])
})
