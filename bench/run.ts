import { execFileSync } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { machine, type BenchRow, type BenchSize } from './measure.ts'

/** `npm run bench [-- [filter] [--nodes 10000,100000]]`: runs every
 *  bench/*.bench.ts, each in its own process (so one benchmark's heap does not
 *  slow the next), and prints one table. Each file's default export returns
 *  its rows; files exporting `scalable = true` run once per --nodes size
 *  (default 10,000 and 100,000). */
const dir = fileURLToPath(new URL('.', import.meta.url))
const DEFAULT_SIZES = [10_000, 100_000]
type Row = BenchRow & { peakRssMb: number }
/** `nodeOptions`: flags for the bench's own Node process (e.g. the heap cap a deployment would run with). */
type BenchModule = { default: (size: BenchSize) => Promise<BenchRow[]>; scalable?: boolean; nodeOptions?: string[] }

const args = process.argv.slice(2)
const flag = (name: string) => {
  const at = args.indexOf(name)
  return at < 0 ? undefined : args.splice(at, 2)[1]
}

if (args[0] === '--one') {
  const [, file, nodes] = args
  const bench = (await import(pathToFileURL(dir + file).href)) as BenchModule
  const rows = (await bench.default({ nodes: Number(nodes) })).map((row) => ({ ...row, peakRssMb: process.resourceUsage().maxRSS / 1024 }))
  process.stdout.write('\n@@rows ' + JSON.stringify(rows) + '\n')
  process.exit(0)
}

const nodesFlag = flag('--nodes')
const sizes = nodesFlag ? nodesFlag.split(',').map((n) => Number(n.replace(/_/g, ''))) : DEFAULT_SIZES
if (sizes.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(`--nodes takes whole numbers separated by commas, such as 10000,100000 (got ${nodesFlag})`)
const filter = args[0]
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts') && (!filter || f.includes(filter)))
  .sort()
const rows: Row[] = []
for (const file of files) {
  const bench = (await import(pathToFileURL(dir + file).href)) as BenchModule
  const scalable = bench.scalable === true
  for (const nodes of scalable ? sizes : [0]) {
    process.stderr.write(`running ${file}${scalable ? ` at ${nodes.toLocaleString('en-US')} nodes` : ''}…\n`)
    const output = execFileSync(process.execPath, [...(bench.nodeOptions ?? []), '--import', 'tsx', fileURLToPath(import.meta.url), '--one', file, String(nodes)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 * 1024 * 1024 })
    const line = output.split('\n').find((l) => l.startsWith('@@rows '))
    if (!line) throw new Error(`${file} printed no rows`)
    rows.push(...(JSON.parse(line.slice(7)) as Row[]))
  }
}

const fmt = (n: number | undefined, digits = 2) => (n === undefined ? '' : n.toFixed(digits))
console.log(`Machine: ${machine()}\n`)
console.log('| benchmark | ops/s | p50 ms | p99 ms | peak RSS MiB | note |')
console.log('|---|---:|---:|---:|---:|---|')
for (const r of rows) {
  const rate = r.opsPerSecond ? Math.round(r.opsPerSecond).toLocaleString('en-US') : ''
  console.log(`| ${r.name} | ${rate} | ${fmt(r.p50Ms, 3)} | ${fmt(r.p99Ms, 3)} | ${fmt(r.peakRssMb, 0)} | ${r.note ?? ''} |`)
}
