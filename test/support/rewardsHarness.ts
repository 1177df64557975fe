import { pino } from 'pino'
import type { Address } from 'viem'
import { Epochs } from '../../src/rewards/Epochs.ts'
import { BUCKET_MS } from '../../src/market/NodeRegistry.ts'
import { createMarketHarness } from './marketHarness.ts'

/** The market harness plus epochs, with helpers to lay down uptime buckets. */
export function createRewardsHarness({ epochCron = '0 0 * * *', start = Date.UTC(2026, 10, 26, 0) } = {}) {
  const h = createMarketHarness({ start })
  const epochs = new Epochs({ db: h.db, ledger: h.ledger, units: h.units, params: h.params, clock: () => h.clock.now, logger: pino({ level: 'silent' }), epochCron, publicUrl: 'http://localhost:8787' })
  epochs.genesis()
  return {
    ...h,
    epochs,
    /** Every node sends a heartbeat each `everyMs` over [clock, to), as agents do; the clock ends at `to`. */
    heartbeats(nodes: { address: Address; nodeId: string }[], to: number, everyMs = 60_000) {
      for (; h.clock.now < to; h.clock.now += everyMs) for (const node of nodes) h.registry.heartbeat(node.address, node.nodeId, { utilization: [] })
      h.clock.now = to
    },
    /** Marks a node seen in every bucket of [from, to). */
    uptime(nodeId: string, from: number, to: number, gpus = 2) {
      const insert = h.sqlite.prepare('insert or replace into uptime_buckets (node_id, bucket_start, gpus, rented_gpus) values (?, ?, ?, 0)')
      const rollUp = h.sqlite.prepare(
        'insert into uptime_hours (node_id, hour_start, buckets, gpus) values (?, ?, 1, ?) on conflict do update set buckets = buckets + 1, gpus = gpus + excluded.gpus',
      )
      for (let t = Math.ceil(from / BUCKET_MS) * BUCKET_MS; t < to; t += BUCKET_MS) {
        insert.run(nodeId, t, gpus)
        rollUp.run(nodeId, Math.floor(t / 3600_000) * 3600_000, gpus)
      }
    },
  }
}
