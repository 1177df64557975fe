import { randomBytes } from 'node:crypto'
import { pino } from 'pino'
import type { Address } from 'viem'
import { expect, test } from 'vitest'
import type { ChainPublicClient } from '../../src/chain/chainClients.ts'
import { openDatabase } from '../../src/db/openDatabase.ts'
import { ProtocolParameters } from '../../src/governance/ProtocolParameters.ts'
import { Ledger } from '../../src/ledger/Ledger.ts'
import { TokenUnits } from '../../src/ledger/TokenUnits.ts'
import { Epochs } from '../../src/rewards/Epochs.ts'
import { Solvency } from '../../src/solvency/Solvency.ts'
import { verifySolvencyProof } from '../../src/solvency/verifySolvencyProof.ts'

function closeWith(publicClient: Partial<ChainPublicClient>) {
  const { db, sqlite } = openDatabase(':memory:')
  const now = Date.UTC(2026, 10, 2)
  sqlite.prepare('insert into chain_cursors (name, block) values (?, ?)').run('epochs.genesis', now - 3600_000)
  const units = new TokenUnits('GRID', 18)
  const logger = pino({ level: 'silent' })
  const solvency = new Solvency({ db, publicClient: publicClient as ChainPublicClient, token: '0x0000000000000000000000000000000000000001' as Address, treasury: '0x0000000000000000000000000000000000000002' as Address, units, clock: () => now, randomBytes, logger, publicUrl: 'https://grid.example', adminIds: [] })
  const epochs = new Epochs({ db, ledger: new Ledger(db), units, params: new ProtocolParameters(db), clock: () => now, logger, epochCron: '0 * * * *', publicUrl: 'https://grid.example', solvency })
  return { sqlite, solvency, epochs, now }
}

const announcementFields = (sqlite: ReturnType<typeof openDatabase>['sqlite']) =>
  (JSON.parse((sqlite.prepare("select reply from notifications where dedupe_key = 'epoch.closed:1'").get() as { reply: string }).reply) as { fields: { name: string; value: string }[] }).fields

test('an epoch closes and says so when the reserves could not be read, with no snapshot', async () => {
  const { sqlite, solvency, epochs, now } = closeWith({ getBlockNumber: () => Promise.reject(new Error('rpc down')) })
  await solvency.prepareEpochClose()
  expect(epochs.close(now).number).toBe(1)
  expect(announcementFields(sqlite).at(-1)).toEqual({ name: 'Solvency', value: 'Not checked at this close: the treasury balance could not be read. An admin can run /admin solvency.' })
  expect(sqlite.prepare('select count(*) as n from solvency_snapshots').get()).toEqual({ n: 0 })
})

test('the epoch close records a snapshot tagged with the epoch, with reserves read just before', async () => {
  const { sqlite, solvency, epochs, now } = closeWith({ getBlockNumber: async () => 42n, readContract: (async () => 7n * 10n ** 18n) as never })
  await solvency.prepareEpochClose()
  epochs.close(now)
  expect(solvency.latest()).toMatchObject({ number: 1, epoch: 1, blockNumber: 42, reserves: (7n * 10n ** 18n).toString(), totalLiabilities: '0', ratio: null, solvent: true })
  expect(announcementFields(sqlite).slice(-2)).toEqual([
    { name: 'Solvency', value: 'Reserves 7 GRID cover liabilities 0 GRID at block 42.' },
    { name: 'Liabilities root', value: `0x${'0'.repeat(64)} (https://grid.example/api/v1/solvency/1)` },
  ])
})

test('a new snapshot gives the same balance a new salt, and a restarted service rebuilds the same proof', async () => {
  const { sqlite, solvency, now } = closeWith({ getBlockNumber: async () => 42n, readContract: (async () => 10n ** 30n) as never })
  sqlite.prepare('insert into accounts (id, created_at) values (1, ?), (2, ?), (3, ?)').run(now, now, now)
  sqlite.prepare("insert into ledger_balances (key, account_id, balance) values ('account:1:available', 1, '500'), ('account:2:bond', 2, '70'), ('account:3:escrow', 3, '9')").run()
  const reading = { blockNumber: 42n, treasuryBalance: 10n ** 30n, minedPayouts: new Map<string, bigint>() }
  const first = solvency.record(reading)
  const before = solvency.proofFor(2)!
  const second = solvency.record(reading)
  const after = solvency.proofFor(2)!
  expect([first.totalLiabilities, second.totalLiabilities, after.leaf.amount]).toEqual(['579', '579', '70'])
  expect(after.leaf.salt).not.toBe(before.leaf.salt)
  expect(second.root).not.toBe(first.root)
  expect(verifySolvencyProof(after, second)).toEqual({ ok: true })
  // An old proof does not verify against the new root.
  expect(verifySolvencyProof(before, second).ok).toBe(false)
  // A fresh instance (after a restart) rebuilds the tree from the stored leaves and the secrets.
  const restarted = new Solvency((solvency as unknown as { deps: ConstructorParameters<typeof Solvency>[0] }).deps)
  expect(restarted.proofFor(2)).toEqual(after)
  expect(restarted.proofFor(99)).toBeUndefined()
})
