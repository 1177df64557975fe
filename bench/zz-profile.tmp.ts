import { pino } from 'pino'
import { openDatabase } from '../src/db/openDatabase.ts'
import { ProtocolParameters } from '../src/governance/ProtocolParameters.ts'
import { Ledger } from '../src/ledger/Ledger.ts'
import { TokenUnits } from '../src/ledger/TokenUnits.ts'
import { Epochs } from '../src/rewards/Epochs.ts'
import { insertNetwork } from '../bench/networkFixture.ts'
import { readUptime, readNodeInfo } from '../src/rewards/epochInputs.ts'
import { payoutTree, reportHash } from '../src/rewards/merkle.ts'
const nodes = Number(process.argv[2] ?? 10000)
const DAY = 24 * 3600_000
const { db, sqlite } = openDatabase(`/tmp/p3/epoch-${nodes}-${Date.now()}.db`)
const start = Date.UTC(2026, 10, 1)
let t = performance.now(); let c = process.cpuUsage()
const lap = (name: string) => { const n = performance.now(); const u = process.cpuUsage(c); console.log(name, ((n - t) / 1000).toFixed(2), "s wall", ((u.user + u.system) / 1e6).toFixed(2), "s cpu", Math.round(process.memoryUsage().rss / 2 ** 20), "MiB"); t = n; c = process.cpuUsage() }
insertNetwork(sqlite, { nodes, now: start, uptime: { from: start, to: start + DAY } })
sqlite.prepare('insert into chain_cursors (name, block) values (?, ?)').run('epochs.genesis', start)
lap('fixture')
const up = readUptime(db, start, start + DAY); lap('readUptime')
const info = readNodeInfo(db, up.keys(), start + DAY); lap('readNodeInfo')
new ProtocolParameters(db).set('epoch_emission', String(nodes * 10), { setByProposal: null, now: start })
const epochs = new Epochs({ db, ledger: new Ledger(db), units: new TokenUnits('GRID', 18), params: new ProtocolParameters(db), clock: () => start + DAY, logger: pino({ level: 'silent' }), epochCron: '0 0 * * *', publicUrl: 'x' })
const report = epochs.estimate(); lap('estimate (buildReport)')
const h = reportHash(report); lap('reportHash')
const tree = payoutTree(report.providers.filter((p) => p.paid).map((p) => ({ address: p.address, amount: p.total }))); lap('payoutTree')
JSON.stringify(report, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)); lap('stringify')
JSON.stringify(tree.dump); lap('stringify tree')
epochs.close(start + DAY); lap('close total')
