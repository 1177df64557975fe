// Compiles contracts/*.sol and writes the committed artifacts
// (contracts/build/*.json and src/chain/contractArtifacts.ts).
// Usage: npx tsx scripts/compileContracts.ts
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { compileContracts } from '../src/chain/compileContracts.ts'
import { CONTRACT_BUILD_DIR, renderContractArtifacts } from '../src/chain/renderContractArtifacts.ts'

const repoRoot = fileURLToPath(new URL('..', import.meta.url))

const { artifacts, warnings } = compileContracts({ contractsDir: join(repoRoot, 'contracts') })
for (const warning of warnings) console.warn(warning)

const files = renderContractArtifacts(artifacts)
// Remove artifacts of deleted or renamed contracts so the build folder mirrors the sources.
const buildDir = join(repoRoot, CONTRACT_BUILD_DIR)
mkdirSync(buildDir, { recursive: true })
for (const file of readdirSync(buildDir)) {
  if (file.endsWith('.json') && !files.some((rendered) => rendered.path === `${CONTRACT_BUILD_DIR}/${file}`)) {
    rmSync(join(buildDir, file))
  }
}
for (const { path, content } of files) {
  mkdirSync(dirname(join(repoRoot, path)), { recursive: true })
  writeFileSync(join(repoRoot, path), content)
  console.log(`wrote ${path}`)
}
