import { pino } from 'pino'
import { openDatabase } from '../src/db/openDatabase.ts'
import { ProtocolParameters } from '../src/governance/ProtocolParameters.ts'
import { Ledger } from '../src/ledger/Ledger.ts'
import { TokenUnits } from '../src/ledger/TokenUnits.ts'
import { Epochs } from '../src/rewards/Epochs.ts'
import { insertNetwork } from './networkFixture.ts'
const nodes = Number(process.argv[2] ?? 10000)
const DAY = 24 * 3600_000
const { db, sqlite } = openDatabase(`/tmp/p3/close-${nodes}-${Date.now()}.db`)
const start = Date.UTC(2026, 10, 1)
insertNetwork(sqlite, { nodes, now: start, uptime: { from: start, to: start + DAY } })
sqlite.prepare('insert into chain_cursors (name, block) values (?, ?)').run('epochs.genesis', start)
new ProtocolParameters(db).set('epoch_emission', String(nodes * 10), { setByProposal: null, now: start })
const epochs = new Epochs({ db, ledger: new Ledger(db), units: new TokenUnits('GRID', 18), params: new ProtocolParameters(db), clock: () => start + DAY, logger: pino({ level: 'silent' }), epochCron: '0 0 * * *', publicUrl: 'x' })
const c = process.cpuUsage(); const t = performance.now()
const { inspector } = { inspector: await import('node:inspector') }
const session = new inspector.Session(); session.connect()
await new Promise((r) => session.post('Profiler.enable', () => session.post('Profiler.start', r)))
epochs.close(start + DAY)
await new Promise<void>((r) => session.post('Profiler.stop', async (_e, { profile }) => { (await import('node:fs')).writeFileSync('/tmp/p3/close.cpuprofile', JSON.stringify(profile)); r() }))
const u = process.cpuUsage(c)
console.log('close wall', ((performance.now() - t) / 1000).toFixed(2), 'cpu', ((u.user + u.system) / 1e6).toFixed(2), 'maxrss MiB', Math.round(process.resourceUsage().maxRSS / 1024))
