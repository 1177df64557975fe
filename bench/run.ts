import { readdirSync } from 'node:fs'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { machine, type BenchRow } from './measure.ts'

/** `npm run bench [filter]`: runs every bench/*.bench.ts and prints one table.
 *  Each file's default export returns its rows; peak RSS is read after each file. */
const dir = fileURLToPath(new URL('.', import.meta.url))
const filter = process.argv[2]
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts') && (!filter || f.includes(filter)))
  .sort()

const rows: (BenchRow & { peakRssMb: number })[] = []
for (const file of files) {
  const run = (await import(pathToFileURL(dir + file).href)).default as () => Promise<BenchRow[]>
  process.stderr.write(`running ${file}…\n`)
  for (const row of await run()) rows.push({ ...row, peakRssMb: process.resourceUsage().maxRSS / 1024 })
}

const fmt = (n: number | undefined, digits = 2) => (n === undefined ? '' : n.toFixed(digits))
console.log(`Machine: ${machine()}\n`)
console.log('| benchmark | ops/s | p50 ms | p99 ms | peak RSS MiB | note |')
console.log('|---|---:|---:|---:|---:|---|')
for (const r of rows) {
  console.log(`| ${r.name} | ${Math.round(r.opsPerSecond).toLocaleString('en-US')} | ${fmt(r.p50Ms, 3)} | ${fmt(r.p99Ms, 3)} | ${fmt(r.peakRssMb, 0)} | ${r.note ?? ''} |`)
}
process.exit(0)
