import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { expect, test } from 'vitest'

const ROOT = resolve(import.meta.dirname, '../..')

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) return sourceFiles(path)
    return path.endsWith('.ts') ? [path] : []
  })
}

const files = [...sourceFiles(join(ROOT, 'src')), ...sourceFiles(join(ROOT, 'commands'))]
const generated = (file: string) => readFileSync(file, 'utf8').startsWith('// Generated')

/** Relative imports of a file, type-only ones included: a circle of types is still a circle of concepts. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8')
  return [...text.matchAll(/^(?:import|export)\b[^'"]*from\s+'(\.[^']+\.ts)'/gm)].map((m) => resolve(dirname(file), m[1]!))
}

function findCycle(): string[] | undefined {
  const graph = new Map(files.map((f) => [f, importsOf(f)]))
  const state = new Map<string, 'open' | 'done'>()
  const stack: string[] = []
  const visit = (file: string): string[] | undefined => {
    if (state.get(file) === 'done') return undefined
    if (state.get(file) === 'open') return stack.slice(stack.indexOf(file)).concat(file)
    state.set(file, 'open')
    stack.push(file)
    for (const next of graph.get(file) ?? []) {
      const cycle = visit(next)
      if (cycle) return cycle
    }
    stack.pop()
    state.set(file, 'done')
    return undefined
  }
  for (const file of files) {
    const cycle = visit(file)
    if (cycle) return cycle.map((f) => relative(ROOT, f))
  }
  return undefined
}

test('no import circles in src/ and commands/', () => {
  expect(findCycle()).toBeUndefined()
})

test('domain code and commands never import discord.js or telegraf', () => {
  const offenders = files
    .filter((f) => !relative(ROOT, f).startsWith('src/chat/') && !relative(ROOT, f).startsWith('src/app/'))
    .filter((f) => /from\s+'(discord\.js|telegraf)(\/[^']*)?'/.test(readFileSync(f, 'utf8')))
    .map((f) => relative(ROOT, f))
  expect(offenders).toEqual([])
})

test('the agent reaches the coordinator only through the shared protocol, never src/market', () => {
  const offenders = files
    .filter((f) => relative(ROOT, f).startsWith('src/agent/'))
    .filter((f) => importsOf(f).some((target) => relative(ROOT, target).startsWith('src/market/')))
    .map((f) => relative(ROOT, f))
  expect(offenders).toEqual([])
})

test('source files stay under 400 lines', () => {
  const long = files.filter((f) => !generated(f)).map((f) => ({ file: relative(ROOT, f), lines: readFileSync(f, 'utf8').split('\n').length })).filter((f) => f.lines > 400)
  expect(long).toEqual([])
})
