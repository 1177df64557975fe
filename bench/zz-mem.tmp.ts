import { openDatabase } from '../src/db/openDatabase.ts'
import { insertNetwork } from './networkFixture.ts'
import { readUptime, readNodeInfo } from '../src/rewards/epochInputs.ts'
const nodes = 100000
const DAY = 24 * 3600_000
const { db, sqlite } = openDatabase(`/tmp/p3/mem-${Date.now()}.db`)
const start = Date.UTC(2026, 10, 1)
insertNetwork(sqlite, { nodes, now: start, uptime: { from: start, to: start + DAY } })
const mem = (name: string) => { (globalThis as any).gc(); const m = process.memoryUsage(); console.log(name, 'heap', Math.round(m.heapUsed / 2 ** 20), 'rss', Math.round(m.rss / 2 ** 20), 'maxrss', Math.round(process.resourceUsage().maxRSS / 1024)) }
mem('fixture')
const up = readUptime(db, start, start + DAY); mem('uptime')
const info = readNodeInfo(db, up.keys(), start + DAY); mem('info')
console.log(up.size, info.length)
