import Database from 'better-sqlite3'
import { readdirSync } from 'node:fs'
const file = '/tmp/p3/' + readdirSync('/tmp/p3').find((f) => f.startsWith('close-30000') && f.endsWith('.db'))
const db = new Database(file)
const start = Date.UTC(2026, 10, 1), end = start + 86400000
const cpu = (name: string, f: () => unknown) => { const c = process.cpuUsage(); const r = f(); const u = process.cpuUsage(c); console.log(name, ((u.user + u.system) / 1e6).toFixed(2), 's cpu', r) }
cpu('iterate raw', () => { let n = 0; for (const r of db.prepare('select node_id, hour_start, buckets, gpus, rented_gpus from uptime_hours where hour_start >= ? and hour_start < ?').raw().iterate(start, end)) n++; return n })
cpu('all raw', () => db.prepare('select node_id, hour_start, buckets, gpus, rented_gpus from uptime_hours where hour_start >= ? and hour_start < ?').raw().all(start, end).length)
cpu('count only', () => db.prepare('select count(*), sum(gpus) from uptime_hours where hour_start >= ? and hour_start < ?').raw().get(start, end))
cpu('group_concat', () => db.prepare("select node_id, group_concat(((hour_start / 3600000) % 24) || ',' || buckets || ',' || gpus || ',' || rented_gpus, ';') from uptime_hours where hour_start >= ? and hour_start < ? group by node_id").raw().all(start, end).length)
cpu('group_concat fullscan', () => db.prepare("select node_id, group_concat(((hour_start / 3600000) % 24) || ',' || buckets || ',' || gpus || ',' || rented_gpus, ';') from uptime_hours not indexed where hour_start >= ? and hour_start < ? group by node_id").raw().all(start, end).length)
