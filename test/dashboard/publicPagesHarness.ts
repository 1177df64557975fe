import { pino } from 'pino'
import { createMetrics } from '../../src/app/metrics.ts'
import { createHttpApp } from '../../src/http/createHttpApp.ts'
import { createDashboardPages } from '../../src/http/createDashboardPages.ts'
import { payoutTree } from '../../src/rewards/merkle.ts'
import { createGovernanceHarness } from '../governance/governanceHarness.ts'

export const GRID = 10n ** 18n
const HOUR = 3600_000

/** The proposal, epoch and provider pages over the governance harness's
 *  database (real migrations, real Governance on a fake chain), wired as createApp wires them. */
export function createPublicPagesHarness() {
  const g = createGovernanceHarness({ start: Date.UTC(2026, 10, 30, 12) })
  const { sqlite, units } = g
  const clock = () => g.clock.now
  const { routes, charts } = createDashboardPages({ sqlite, governance: g.governance, units, clock })
  const app = createHttpApp({ logger: pino({ level: 'silent' }), metrics: createMetrics({ defaults: false }), healthChecks: [], routes: [routes] })
  return {
    ...g,
    charts,
    app,
    get: (path: string) => app.request(path),
    /** A closed epoch paying `leaves` (address → base units), with statements, payout rows and its real Merkle tree. */
    closeEpoch(number: number, leaves: { address: string; providerId: number; accountId: number; emission: bigint; earnings?: bigint; status?: 'confirmed' | 'submitted' }[], emission: bigint) {
      const start = Date.UTC(2026, 10, 1) + (number - 1) * 24 * HOUR
      const { root, dump } = payoutTree(leaves.map((l) => ({ address: l.address, amount: l.emission + (l.earnings ?? 0n) })))
      sqlite
        .prepare("insert into epochs (number, starts_at, ends_at, status, emission, report_hash, merkle_root, report, tree, closed_at) values (?, ?, ?, 'closed', ?, ?, ?, '{}', ?, ?)")
        .run(number, start, start + 24 * HOUR, String(emission), `0x${'ab'.repeat(32)}`, root, JSON.stringify(dump), start + 24 * HOUR + 60_000)
      leaves.forEach((l, i) => {
        const total = l.emission + (l.earnings ?? 0n)
        sqlite
          .prepare('insert into epoch_statements (epoch, provider_id, address, account_id, emission, earnings, total, leaf_index) values (?, ?, ?, ?, ?, ?, ?, ?)')
          .run(number, l.providerId, l.address, l.accountId, String(l.emission), String(l.earnings ?? 0n), String(total), dump!.values[i]!.treeIndex)
        sqlite
          .prepare("insert into payouts (id, kind, account_id, to_address, amount, status, batch_id, created_at) values (?, 'reward', ?, ?, ?, ?, ?, 0)")
          .run(`e${number}-${l.providerId}`, l.accountId, l.address, String(total), l.status ?? 'confirmed', `epoch:${number}`)
      })
    },
    /** A provider (and its account and wallet) with nodes; returns its id. */
    addProvider(address: string, nodes: { id: string; region: string; model: string; total: number; allocated?: number; verification?: 'pending' | 'verified' | 'failed'; listed?: boolean; online?: boolean }[]) {
      const account = sqlite.prepare('insert into accounts (created_at) values (0) returning id').get() as { id: number }
      sqlite.prepare('insert into wallets (address, account_id, linked_at) values (?, ?, 0)').run(address, account.id)
      const provider = sqlite.prepare('insert into providers (address, created_at) values (?, 0) returning id').get(address) as { id: number }
      for (const [i, n] of nodes.entries()) {
        sqlite
          .prepare(
            `insert into nodes (id, provider_id, node_key, region, price_per_gpu_hour, online, last_heartbeat_at, registered_at, verification, verified_at, listed, reliability)
             values (?, ?, ?, ?, '1000000000000000000', ?, 0, ?, ?, ?, ?, 0.975)`,
          )
          .run(n.id, provider.id, `key-${n.id}`, n.region, n.online === false ? 0 : 1, i, n.verification ?? 'verified', n.verification === 'verified' || n.verification === undefined ? Date.UTC(2026, 10, 29) : null, n.listed === false ? 0 : 1)
        sqlite
          .prepare(`insert into node_gpus (node_id, model, memory_mb, total, allocated, region, price_per_gpu_hour, price_sort, reliability, online) values (?, ?, 81920, ?, ?, ?, '1', '1', 1, 1)`)
          .run(n.id, n.model, n.total, n.allocated ?? 0, n.region)
      }
      return { providerId: provider.id, accountId: account.id }
    },
    /** Hourly uptime rows: `buckets` of 12 for each hour of [from, to). */
    uptime(nodeId: string, from: number, to: number, buckets = 12) {
      for (let hour = from; hour < to; hour += HOUR) sqlite.prepare('insert into uptime_hours (node_id, hour_start, buckets, gpus) values (?, ?, ?, ?)').run(nodeId, hour, buckets, buckets)
    },
  }
}

/** The page's visible text: tags and the head (style, title) dropped, spaces collapsed. */
export const text = (page: string) =>
  page
    .replace(/<head>[\s\S]*<\/head>/, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
