import { randomBytes } from 'node:crypto'
import { pino } from 'pino'
import type { Hono } from 'hono'
import { createMetrics } from '../src/app/metrics.ts'
import { SecretBox } from '../src/app/SecretBox.ts'
import type { Db, Sqlite } from '../src/db/openDatabase.ts'
import { Governance, type GovernanceDeps } from '../src/governance/Governance.ts'
import { ProtocolParameters } from '../src/governance/ProtocolParameters.ts'
import { createDashboardPages } from '../src/http/createDashboardPages.ts'
import { createHttpApp } from '../src/http/createHttpApp.ts'
import type { TokenUnits } from '../src/ledger/TokenUnits.ts'
import { payoutTree } from '../src/rewards/merkle.ts'
import { measure, percentiles, type BenchRow } from './measure.ts'
import { fixtureAddress } from './networkFixture.ts'

const HOUR = 3600_000
const DAY = 24 * HOUR
const VOTES = 10_000
const PROPOSALS = 20

/** The proposal, epoch and provider pages and their charts over the dashboard
 *  bench's network: epoch 1 gets its statements and real Merkle tree (one leaf
 *  per node), twenty proposals the first of which has 10,000 votes, and
 *  provider 7 thirty days of hourly uptime. Pages are measured warm (500
 *  requests each); charts cached (200) and, for the proposal and uptime
 *  charts, cold: each drawing follows a change in what it shows. */
export async function publicPageRows({ sqlite, db, units, now, nodes }: { sqlite: Sqlite; db: Db; units: TokenUnits; now: number; nodes: number }): Promise<BenchRow[]> {
  let clock = now
  const t0 = performance.now()
  const leaves = Array.from({ length: nodes }, (_, i) => ({ address: fixtureAddress(i + 1), amount: 10n ** 19n }))
  const { root, dump } = payoutTree(leaves)
  const treeMs = performance.now() - t0
  const leafIndex = new Map(dump!.values.map((v) => [v.value[0], v.treeIndex]))
  sqlite.transaction(() => {
    sqlite.prepare('update epochs set merkle_root = ?, tree = ? where number = 1').run(root, JSON.stringify(dump))
    const insert = sqlite.prepare("insert into epoch_statements (epoch, provider_id, address, account_id, emission, earnings, total, leaf_index) values (1, ?, ?, ?, '10000000000000000000', '0', '10000000000000000000', ?)")
    leaves.forEach((l, i) => insert.run(i + 1, l.address, i + 1, leafIndex.get(l.address)!))
    const proposal = sqlite.prepare(
      "insert into proposals (id, source, seq, title, body, choices, type, start_at, end_at, snapshot_block, quorum, status, created_at) values (?, 'native', ?, ?, ?, '[\"For\",\"Against\",\"Abstain\"]', 'single-choice', ?, ?, 100, ?, 'active', ?)",
    )
    for (let p = 1; p <= PROPOSALS; p++) proposal.run(`p${p}`, p, `Proposal ${p}`, `## Why\n\nBecause of **${p}** reasons; see [the plan](https://example.org/${p}).`, now - DAY, now + 3 * DAY, String(10n ** 24n), now - DAY + p)
    sqlite.exec(`with recursive seq(i) as (select 1 union all select i + 1 from seq where i < ${VOTES})
      insert into governance_votes (proposal_id, address, choice, power, voted_at, source) select 'p1', printf('0x%040x', i), cast(1 + i % 3 as text), i || '000000000000000', ${now - HOUR} + i, 'chat' from seq`)
    sqlite.exec(`with recursive hours(h) as (select 0 union all select h + 1 from hours where h < ${30 * 24 - 1})
      insert into uptime_hours (node_id, hour_start, buckets, gpus, rented_gpus) select 'n7', ${Math.floor(now / DAY) * DAY - 30 * DAY} + h * ${HOUR}, 12 - (h % 13 = 0), 60, 0 from hours`)
  })()
  const governance = new Governance({
    db,
    clock: () => clock,
    logger: pino({ level: 'silent' }),
    units,
    params: new ProtocolParameters(db),
    publicClient: { getBlockNumber: async () => 100n, readContract: async () => 0n } as unknown as GovernanceDeps['publicClient'],
    token: fixtureAddress(1) as `0x${string}`,
    publicUrl: 'http://localhost:8787',
    secrets: new SecretBox(randomBytes(32)),
  })
  const { routes } = createDashboardPages({ sqlite, governance, units, clock: () => clock })
  const app: Hono = createHttpApp({ logger: pino({ level: process.env.BENCH_LOG ?? 'silent' }), metrics: createMetrics({ defaults: false }), healthChecks: [], routes: [routes] })
  const get = async (path: string) => {
    const res = await app.request(path)
    if (res.status !== 200) throw new Error(`${path}: ${res.status}`)
    await res.arrayBuffer()
  }
  const size = nodes.toLocaleString('en-US')
  const provider = fixtureAddress(7)
  const rows: BenchRow[] = []

  const pages = ['/proposals', '/proposals/p1', '/epochs', '/epochs/1', `/epochs/1?page=${Math.ceil(nodes / 200)}`, `/epochs/1?address=${fixtureAddress(nodes)}`, `/providers/${provider}`]
  for (const path of pages) {
    const t = performance.now()
    await get(path)
    const first = performance.now() - t
    const row = await measure(`dashboard: GET ${path.replace(/0x[0-9a-f]{40}/i, '0x…')} at ${size} nodes`, { total: 500, concurrency: 1 }, () => get(path))
    rows.push({ ...row, note: `first request ${first.toFixed(1)} ms${path === '/proposals/p1' ? `; ${VOTES.toLocaleString('en-US')} votes` : path.startsWith('/epochs/1') ? `; ${size} statements` : ''}${path.includes('address=') ? `; the ${size}-leaf tree parsed on the first lookup (tree built in ${treeMs.toFixed(0)} ms)` : ''}` })
  }

  const charts = ['/charts/proposal.png?id=p1', '/charts/epochs.png', `/charts/earnings.png?address=${provider}`, `/charts/uptime.png?address=${provider}`]
  for (const path of charts) {
    const t = performance.now()
    await get(path) // compiles the chart's shape once
    const first = performance.now() - t
    const row = await measure(`dashboard: GET ${path.replace(/0x[0-9a-f]{40}/i, '0x…')} at ${size} nodes, cached`, { total: 200, concurrency: 1 }, () => get(path))
    rows.push({ ...row, note: `first request (compile and draw) ${first.toFixed(0)} ms` })
  }

  // Cold: a vote changes the proposal chart, a new hour the uptime chart; each drawing reads and draws anew.
  const addVote = sqlite.prepare("insert into governance_votes (proposal_id, address, choice, power, voted_at, source) values ('p1', ?, '2', '5000000000000000000', ?, 'chat')")
  const addHour = sqlite.prepare("update uptime_hours set buckets = ? where node_id = 'n7' and hour_start = ?")
  const cold = { proposal: [] as number[], uptime: [] as number[] }
  for (let round = 0; round < 20; round++) {
    clock += 1000
    addVote.run(fixtureAddress(VOTES + nodes + 1 + round), clock)
    let t = performance.now()
    await get('/charts/proposal.png?id=p1')
    cold.proposal.push(performance.now() - t)
    addHour.run(round % 12, Math.floor(now / DAY) * DAY - DAY + round * HOUR)
    t = performance.now()
    await get(`/charts/uptime.png?address=${provider}`)
    cold.uptime.push(performance.now() - t)
  }
  for (const [name, ms] of Object.entries(cold)) {
    const p = percentiles(ms)
    rows.push({ name: `dashboard: GET /charts/${name}.png at ${size} nodes, redrawn after a change (Vega → SVG → resvg PNG)`, opsPerSecond: 1000 / p.p50Ms, ...p, note: `20 drawings${name === 'proposal' ? `; the tally of ${VOTES.toLocaleString('en-US')} votes is redone each time` : ''}` })
  }
  return rows
}
