import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { openDatabase } from '../src/db/openDatabase.ts'
import { ProtocolParameters } from '../src/governance/ProtocolParameters.ts'
import { Ledger } from '../src/ledger/Ledger.ts'
import { TokenUnits } from '../src/ledger/TokenUnits.ts'
import { Epochs } from '../src/rewards/Epochs.ts'
import type { BenchRow, BenchSize } from './measure.ts'
import { insertNetwork } from './networkFixture.ts'

const DAY = 24 * 3600_000

/** Closing a one-day epoch: `nodes` providers with one listed 5-GPU node
 *  each, uptime in hourly roll-ups (24 per node). Sized by --nodes. */
export const scalable = true
/** The heap cap a coordinator runs with to close 100,000-node epochs in 1 GiB:
 *  the live set fits in it, and uncapped V8 lets garbage grow RSS to ~1.4 GiB. */
export const nodeOptions = ['--max-old-space-size=640']

export default async function ({ nodes }: BenchSize): Promise<BenchRow[]> {
  const { db, sqlite } = openDatabase(join(mkdtempSync(join(tmpdir(), 'gs-bench-')), 'epoch.db'))
  const start = Date.UTC(2026, 10, 1)
  insertNetwork(sqlite, { nodes, now: start, uptime: { from: start, to: start + DAY } })
  sqlite.prepare('insert into chain_cursors (name, block) values (?, ?)').run('epochs.genesis', start)
  // 10 GRID a provider on average, so (nearly) every provider clears min_payout and the payout tree is full size.
  new ProtocolParameters(db).set('epoch_emission', String(nodes * 10), { setByProposal: null, now: start })
  const epochs = new Epochs({
    db,
    ledger: new Ledger(db),
    units: new TokenUnits('GRID', 18),
    params: new ProtocolParameters(db),
    clock: () => start + DAY,
    logger: pino({ level: 'silent' }),
    epochCron: '0 0 * * *',
    publicUrl: 'http://localhost:8787',
  })
  const rssBefore = process.memoryUsage().rss
  const t0 = performance.now()
  const closed = epochs.close(start + DAY)
  const closeSeconds = (performance.now() - t0) / 1000
  const paid = (sqlite.prepare('select count(*) as n from payouts where batch_id = ?').get(`epoch:${closed.number}`) as { n: number }).n
  const size = nodes.toLocaleString('en-US')
  return [
    {
      name: `epoch close: ${size} providers / ${(nodes * 5).toLocaleString('en-US')} GPUs, ${(nodes * 24).toLocaleString('en-US')} hourly roll-ups`,
      opsPerSecond: nodes / closeSeconds,
      note: `${closeSeconds.toFixed(2)} s, ${paid.toLocaleString('en-US')} payouts, RSS ${Math.round(rssBefore / 2 ** 20)} MiB before the close`,
    },
  ]
}
