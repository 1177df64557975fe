import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { beforeAll, expect, test } from 'vitest'
import { compileContracts, type CompileContractsReturnType } from '../../src/chain/compileContracts.ts'
import { CONTRACT_BUILD_DIR, renderContractArtifacts } from '../../src/chain/renderContractArtifacts.ts'

const repoRoot = fileURLToPath(new URL('../..', import.meta.url))
let compiled: CompileContractsReturnType

beforeAll(() => {
  compiled = compileContracts({ contractsDir: join(repoRoot, 'contracts') })
})

test('committed contract artifacts equal a fresh compile (run `npx tsx scripts/compileContracts.ts` if not)', () => {
  expect(Object.keys(compiled.artifacts)).toEqual(['Disperse', 'GridToken', 'TestSmartWallet'])
  const files = renderContractArtifacts(compiled.artifacts)
  for (const { path, content } of files) {
    expect(readFileSync(join(repoRoot, path), 'utf8'), path).toBe(content)
  }
  const committedJson = readdirSync(join(repoRoot, CONTRACT_BUILD_DIR)).filter((file) => file.endsWith('.json'))
  expect(committedJson.map((file) => `${CONTRACT_BUILD_DIR}/${file}`).sort()).toEqual(
    files.map(({ path }) => path).filter((path) => path.endsWith('.json')),
  )
})

test('contracts compile without warnings', () => {
  expect(compiled.warnings).toEqual([])
})

test('error: a source that does not compile names the file and line', () => {
  expect(() => compileContracts({ contractsDir: join(repoRoot, 'test/chain/fixtures/broken') })).toThrowError(
    /Solidity compilation failed:\n[\s\S]*Broken\.sol:4/,
  )
})
