// npm run mutate [-- --only <part>[,<part>…]] [--concurrency N]
// Runs Stryker once per module of mutationModules.mjs, each against its own tests, one
// after the other, and writes the score table to reports/mutation/summary.md. Each module
// keeps its incremental file in reports/modules/, so a rerun tests only what changed, and its
// own sandbox folder, so runs of different modules can go side by side.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { MUTATION_MODULES } from './mutationModules.mjs'
import { scoreRow, scoreTable, type ModuleScore } from './scoreTable.ts'

const { values } = parseArgs({ options: { only: { type: 'string' }, concurrency: { type: 'string', default: '2' } } })
const only = values.only?.split(',').filter(Boolean)
const modules = MUTATION_MODULES.filter((m) => !only || only.some((part) => m.mutate.includes(part)))
if (modules.length === 0) {
  console.error(`No module matches --only ${values.only}; the modules are:\n${MUTATION_MODULES.map((m) => `  ${m.mutate}`).join('\n')}`)
  process.exit(2)
}

mkdirSync('reports/modules', { recursive: true })
const scores: ModuleScore[] = []
for (const { mutate, tests } of modules) {
  const name = mutate.replace(/\/\*\*.*$/, '').replaceAll('/', '_')
  const started = Date.now()
  console.log(`\n== ${mutate} (${tests.length} test files)`)
  const run = spawnSync('npx', ['stryker', 'run', 'stryker.config.mjs', '--mutate', mutate, '--concurrency', values.concurrency!, '--incrementalFile', `reports/modules/${name}.incremental.json`, '--tempDirName', `.stryker-tmp/${name}`], {
    stdio: 'inherit',
    env: { ...process.env, MUTATE_TESTS: tests.join(','), MUTATE_NAME: name },
  })
  const report = `reports/mutation/${name}.json`
  if (run.status !== 0 || !existsSync(report)) {
    console.error(`Stryker failed on ${mutate} (exit ${run.status}); the table leaves it out.`)
    continue
  }
  scores.push(scoreRow(mutate, JSON.parse(readFileSync(report, 'utf8')), Date.now() - started))
}
const table = scoreTable(scores)
writeFileSync('reports/mutation/summary.md', table)
console.log(`\n${table}`)
