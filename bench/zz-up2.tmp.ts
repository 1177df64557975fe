import Database from 'better-sqlite3'
import { readdirSync } from 'node:fs'
const file = '/tmp/p3/' + readdirSync('/tmp/p3').find((f) => f.startsWith('close-30000') && f.endsWith('.db'))
const db = new Database(file)
db.exec('create index if not exists uptime_hours_cover on uptime_hours (hour_start, node_id, buckets, gpus, rented_gpus)')
const start = Date.UTC(2026, 10, 1), end = start + 86400000
const cpu = (name: string, f: () => unknown) => { const c = process.cpuUsage(); const r = f(); const u = process.cpuUsage(c); console.log(name, ((u.user + u.system) / 1e6).toFixed(2), 's cpu', r) }
cpu('count covering', () => db.prepare('select count(*), sum(gpus) from uptime_hours indexed by uptime_hours_cover where hour_start >= ? and hour_start < ?').raw().get(start, end))
cpu('iterate covering', () => { let n = 0; for (const r of db.prepare('select node_id, hour_start, buckets, gpus, rented_gpus from uptime_hours indexed by uptime_hours_cover where hour_start >= ? and hour_start < ?').raw().iterate(start, end)) n++; return n })
cpu('group_concat covering + parse', () => {
  let n = 0
  for (const [node, packed] of db.prepare("select node_id, group_concat(((hour_start / 3600000) % 24) || ',' || buckets || ',' || gpus || ',' || rented_gpus, ';') from uptime_hours indexed by uptime_hours_cover where hour_start >= ? and hour_start < ? group by node_id").raw().iterate(start, end) as Iterable<[string, string]>) {
    const slots = new Float64Array(72)
    const parts = packed.split(/[;,]/)
    for (let i = 0; i < parts.length; i += 4) { const h = +parts[i]! * 3; slots[h] += +parts[i + 1]!; slots[h + 1] += +parts[i + 2]!; slots[h + 2] += +parts[i + 3]! }
    n++
  }
  return n
})
cpu('json_group_array covering + JSON.parse', () => {
  let n = 0
  for (const [node, packed] of db.prepare("select node_id, json_group_array(json_array((hour_start / 3600000) % 24, buckets, gpus, rented_gpus)) from uptime_hours indexed by uptime_hours_cover where hour_start >= ? and hour_start < ? group by node_id").raw().iterate(start, end) as Iterable<[string, string]>) {
    const slots = new Float64Array(72)
    for (const [h, b, g, r] of JSON.parse(packed) as number[][]) { slots[h! * 3] += b!; slots[h! * 3 + 1] += g!; slots[h! * 3 + 2] += r! }
    n++
  }
  return n
})
cpu('pivot 24 sums', () => {
  const cols = Array.from({ length: 24 }, (_, h) => `sum(case when hr = ${h} then buckets end), sum(case when hr = ${h} then gpus end), sum(case when hr = ${h} then rented_gpus end)`).join(', ')
  return db.prepare(`select node_id, ${cols} from (select node_id, (hour_start / 3600000) % 24 as hr, buckets, gpus, rented_gpus from uptime_hours indexed by uptime_hours_cover where hour_start >= ? and hour_start < ?) group by node_id`).raw().all(start, end).length
})
