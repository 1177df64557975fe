import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import { expect, test } from 'vitest'
import { MUTATION_MODULES } from '../../scripts/mutation/mutationModules.mjs'
import { scoreRow, scoreTable } from '../../scripts/mutation/scoreTable.ts'

/** The files a module's `mutate` names: one file, or the .ts files under a `folder/**` glob. */
function sourcesOf(mutate: string): string[] {
  if (!mutate.includes('*')) return existsSync(mutate) ? [mutate] : []
  const folder = mutate.slice(0, mutate.indexOf('/**'))
  return existsSync(folder) ? readdirSync(folder, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts')) : []
}

test('every module of the mutation scope names source that exists and test files that exist', () => {
  for (const { mutate, tests } of MUTATION_MODULES) {
    expect(sourcesOf(mutate).length, mutate).toBeGreaterThan(0)
    expect(tests.filter((file) => !existsSync(file)), mutate).toEqual([])
  }
  // No module twice: each has one incremental file and one report.
  const names = MUTATION_MODULES.map((m) => m.mutate)
  expect(new Set(names).size).toBe(names.length)
})

test('the score table counts timeouts as killed and leaves ignored mutants out', () => {
  const report = (statuses: string[]) => ({ files: { 'a.ts': { mutants: statuses.map((status) => ({ status })) } } })
  const rows = [
    scoreRow('src/a.ts', report(['Killed', 'Killed', 'Timeout', 'Survived', 'Ignored', 'CompileError']), 12_400),
    scoreRow('src/b.ts', report(['Killed', 'NoCoverage', 'Survived']), 2_600),
  ]
  expect(scoreTable(rows)).toBe(
    [
      '| module | mutants | killed | survived | no coverage | score | time |',
      '| --- | --- | --- | --- | --- | --- | --- |',
      '| `src/a.ts` | 4 | 3 | 1 | 0 | 75.0 % | 12 s |',
      '| `src/b.ts` | 3 | 1 | 1 | 1 | 33.3 % | 3 s |',
      '| **all** | 7 | 4 | 2 | 1 | **57.1 %** | 15 s |',
      '',
    ].join('\n'),
  )
})

test('npm run mutate -- --only with no match names the modules and runs nothing', () => {
  const run = spawnSync('npx', ['tsx', 'scripts/mutation/mutate.ts', '--only', 'no-such-module'], { encoding: 'utf8' })
  expect(run.status).toBe(2)
  expect(run.stderr).toContain('No module matches --only no-such-module; the modules are:\n  src/ledger/Ledger.ts\n')
})
