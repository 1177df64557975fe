import { randomBytes } from 'node:crypto'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import type { Address } from 'viem'
import type { ChainPublicClient } from '../src/chain/chainClients.ts'
import { openDatabase } from '../src/db/openDatabase.ts'
import { TokenUnits } from '../src/ledger/TokenUnits.ts'
import { Solvency } from '../src/solvency/Solvency.ts'
import type { BenchRow, BenchSize } from './measure.ts'

/** A proof of solvency over `nodes` accounts (sized by --nodes), each with an
 *  available balance and escrow: the snapshot (liabilities, salts, tree, row)
 *  and then every account's proof. Goal at 100,000: ≤ 5 s, ≤ 500 MiB. */
export const scalable = true

export default async function ({ nodes: accounts }: BenchSize): Promise<BenchRow[]> {
  const { db, sqlite } = openDatabase(join(mkdtempSync(join(tmpdir(), 'gs-bench-')), 'solvency.db'))
  const now = Date.UTC(2026, 10, 1)
  sqlite.transaction(() => {
    const account = sqlite.prepare('insert into accounts (id, created_at) values (?, ?)')
    const balance = sqlite.prepare('insert into ledger_balances (key, account_id, balance) values (?, ?, ?)')
    for (let id = 1; id <= accounts; id++) {
      account.run(id, now)
      balance.run(`account:${id}:available`, id, (BigInt(id) * 10n ** 18n).toString())
      balance.run(`account:${id}:escrow`, id, (BigInt(id % 7) * 10n ** 17n).toString())
    }
  })()
  const solvency = new Solvency({
    db,
    publicClient: undefined as unknown as ChainPublicClient,
    token: '0x0000000000000000000000000000000000000001' as Address,
    treasury: '0x0000000000000000000000000000000000000002' as Address,
    units: new TokenUnits('GRID', 18),
    clock: () => now,
    randomBytes,
    logger: pino({ level: 'silent' }),
    publicUrl: 'http://localhost:8787',
    adminIds: [],
  })
  const reading = { blockNumber: 1n, treasuryBalance: 10n ** 40n, minedPayouts: new Map<string, bigint>() }
  const t0 = performance.now()
  const view = solvency.record(reading)
  const recordSeconds = (performance.now() - t0) / 1000
  const t1 = performance.now()
  for (let id = 1; id <= accounts; id++) solvency.proofFor(id)
  const proofSeconds = (performance.now() - t1) / 1000
  const size = accounts.toLocaleString('en-US')
  return [
    { name: `solvency snapshot: ${size} accounts`, opsPerSecond: accounts / recordSeconds, note: `${recordSeconds.toFixed(2)} s for liabilities, salts, tree and row; root ${view.root.slice(0, 10)}…` },
    { name: `solvency proofs: every one of ${size} accounts`, opsPerSecond: accounts / proofSeconds, note: `${proofSeconds.toFixed(2)} s` },
  ]
}
