import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { createMetrics } from '../src/app/metrics.ts'
import { openDatabase } from '../src/db/openDatabase.ts'
import { AvailabilityCharts } from '../src/dashboard/AvailabilityCharts.ts'
import { EpochHistory } from '../src/dashboard/EpochHistory.ts'
import { NetworkOverview } from '../src/dashboard/NetworkOverview.ts'
import { snapshotMarketHistory } from '../src/dashboard/snapshotMarketHistory.ts'
import { createHttpApp } from '../src/http/createHttpApp.ts'
import { dashboardRoutes } from '../src/http/dashboardRoutes.ts'
import { TokenUnits } from '../src/ledger/TokenUnits.ts'
import { measure, percentiles, type BenchRow, type BenchSize } from './measure.ts'
import { insertNetwork } from './networkFixture.ts'
import { publicPageRows } from './publicPagesBench.ts'

const HOUR = 3600_000
const DAY = 24 * HOUR

/** The public dashboard at `nodes` listed nodes: the snapshot job, `/` and
 *  the network chart, cold (first request after a snapshot) and cached. The
 *  history holds 90 days of hourly rows, as the job keeps; the latest epoch
 *  has one reward payout per node. Sized by --nodes. */
export const scalable = true

export default async function ({ nodes }: BenchSize): Promise<BenchRow[]> {
  const { sqlite, db } = openDatabase(join(mkdtempSync(join(tmpdir(), 'gs-bench-')), 'dashboard.db'))
  const now = Date.UTC(2026, 10, 30, 12, 30)
  insertNetwork(sqlite, { nodes, now })
  // 90 days of history: the job's own rows for this hour, copied back hour by hour.
  let clock = now
  snapshotMarketHistory({ sqlite, clock: () => clock })
  const hour = Math.floor(now / HOUR) * HOUR
  sqlite.exec(`with recursive h(k) as (select 1 union all select k + 1 from h where k < ${90 * 24 - 1})
    insert into market_history select ${hour} - k * ${HOUR}, model, region, free_gpus - k % 7, rented_gpus + k % 7, listed_nodes, min_price, median_price, max_price, taken_at - k * ${HOUR}
    from market_history, h where hour = ${hour}`)
  sqlite.prepare("insert into epochs (number, starts_at, ends_at, status, emission, report_hash, merkle_root, report, tree, closed_at) values (1, ?, ?, 'closed', ?, '0x', '0x', '{}', '{}', ?)").run(now - DAY, now, String(10n ** 24n), now)
  sqlite.exec(`with recursive seq(i) as (select 1 union all select i + 1 from seq where i < ${nodes})
    insert into payouts (id, kind, account_id, to_address, amount, status, batch_id, created_at) select 'e1-' || i, 'reward', i, printf('0x%040x', i), '10000000000000000000', case when i % 10 = 0 then 'pending' else 'confirmed' end, 'epoch:1', ${now} from seq`)

  const units = new TokenUnits('GRID', 18)
  const overview = new NetworkOverview({ sqlite, epochs: new EpochHistory({ sqlite, clock: () => clock }) })
  const charts = new AvailabilityCharts({ sqlite, units, clock: () => clock, dataVersion: () => overview.version() })
  const app = createHttpApp({ logger: pino({ level: 'silent' }), metrics: createMetrics({ defaults: false }), healthChecks: [], routes: [dashboardRoutes({ overview, charts, units })] })
  const get = async (path: string) => {
    const res = await app.request(path)
    if (res.status !== 200) throw new Error(`${path}: ${res.status}`)
    await res.arrayBuffer()
  }
  const size = nodes.toLocaleString('en-US')

  const snapshotMs: number[] = []
  for (let i = 0; i < 5; i++) {
    clock += 60_000
    const t0 = performance.now()
    snapshotMarketHistory({ sqlite, clock: () => clock })
    snapshotMs.push(performance.now() - t0)
  }
  const historyRows = (sqlite.prepare('select count(*) as n from market_history').get() as { n: number }).n

  // The job sums the epoch's payouts; the first request after it only reads the snapshot.
  const tSum = performance.now()
  overview.refreshEpoch()
  const epochSumMs = performance.now() - tSum
  const t0 = performance.now()
  await get('/')
  const pageColdMs = performance.now() - t0
  const cpuBefore = process.cpuUsage()
  const pageCached = await measure(`dashboard: GET / at ${size} nodes`, { total: 500, concurrency: 1 }, () => get('/'))
  const pageCpu500 = process.cpuUsage(cpuBefore)
  const cpuPer = (used: NodeJS.CpuUsage, n: number) => ((used.user + used.system) / 1000 / n).toFixed(2)

  // Cold charts: the first request after a snapshot redraws (the compiled chart of its shape is kept).
  await get('/charts/availability.png?days=7') // modules, font and the shape's compile, as the job's warm() does at start
  await get('/charts/availability.png?days=30')
  const coldMs: number[] = []
  let coldCpuMs = 0
  for (let round = 0; round < 10; round++) {
    clock += 5 * 60_000
    snapshotMarketHistory({ sqlite, clock: () => clock })
    for (const query of ['days=7', 'days=30']) {
      const cpu = process.cpuUsage()
      const t = performance.now()
      await get(`/charts/availability.png?${query}`)
      coldMs.push(performance.now() - t)
      const used = process.cpuUsage(cpu)
      coldCpuMs += (used.user + used.system) / 1000
    }
  }
  const pageCpu = process.cpuUsage()
  const chartCached = await measure(`dashboard: GET /charts/availability.png?days=7 at ${size} nodes, cached`, { total: 500, concurrency: 1 }, () => get('/charts/availability.png?days=7'))
  const chartCachedCpu = process.cpuUsage(pageCpu)
  const cold = percentiles(coldMs)

  const networkRows: BenchRow[] = [
    { name: `dashboard: hourly market snapshot at ${size} nodes`, opsPerSecond: 1000 / (snapshotMs.reduce((s, t) => s + t, 0) / snapshotMs.length), ...percentiles(snapshotMs), note: `5 runs; ${historyRows.toLocaleString('en-US')} history rows (90 days)` },
    { ...pageCached, note: `first request ${pageColdMs.toFixed(1)} ms; ${cpuPer(pageCpu500, 500)} ms CPU a request; the job sums the epoch's ${size} payouts in ${epochSumMs.toFixed(0)} ms` },
    {
      name: `dashboard: GET /charts/availability.png at ${size} nodes, first request after a snapshot (Vega → SVG → resvg PNG)`,
      opsPerSecond: 1000 / cold.p50Ms,
      ...cold,
      note: `20 drawings (7 and 30 days); ${(coldCpuMs / coldMs.length).toFixed(1)} ms CPU each (main thread; resvg draws on the libuv pool)`,
    },
    { ...chartCached, note: `${cpuPer(chartCachedCpu, 500)} ms CPU a request` },
  ]
  return [...networkRows, ...(await publicPageRows({ sqlite, db, units, now, nodes }))]
}
