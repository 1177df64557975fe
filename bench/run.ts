import { execFileSync } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { machine, type BenchRow } from './measure.ts'

/** `npm run bench [filter]`: runs every bench/*.bench.ts, each in its own
 *  process (so one benchmark's heap does not slow the next), and prints one
 *  table. Each file's default export returns its rows. */
const dir = fileURLToPath(new URL('.', import.meta.url))
type Row = BenchRow & { peakRssMb: number }

if (process.argv[2] === '--one') {
  const run = (await import(pathToFileURL(dir + process.argv[3]).href)).default as () => Promise<BenchRow[]>
  const rows = (await run()).map((row) => ({ ...row, peakRssMb: process.resourceUsage().maxRSS / 1024 }))
  process.stdout.write('\n@@rows ' + JSON.stringify(rows) + '\n')
  process.exit(0)
}

const filter = process.argv[2]
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts') && (!filter || f.includes(filter)))
  .sort()
const rows: Row[] = []
for (const file of files) {
  process.stderr.write(`running ${file}…\n`)
  const output = execFileSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--one', file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 * 1024 * 1024 })
  const line = output.split('\n').find((l) => l.startsWith('@@rows '))
  if (!line) throw new Error(`${file} printed no rows`)
  rows.push(...(JSON.parse(line.slice(7)) as Row[]))
}

const fmt = (n: number | undefined, digits = 2) => (n === undefined ? '' : n.toFixed(digits))
console.log(`Machine: ${machine()}\n`)
console.log('| benchmark | ops/s | p50 ms | p99 ms | peak RSS MiB | note |')
console.log('|---|---:|---:|---:|---:|---|')
for (const r of rows) {
  const rate = r.opsPerSecond ? Math.round(r.opsPerSecond).toLocaleString('en-US') : ''
  console.log(`| ${r.name} | ${rate} | ${fmt(r.p50Ms, 3)} | ${fmt(r.p99Ms, 3)} | ${fmt(r.peakRssMb, 0)} | ${r.note ?? ''} |`)
}
