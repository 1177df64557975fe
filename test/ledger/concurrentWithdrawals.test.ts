import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { getAddress, keccak256, parseUnits, toHex } from 'viem'
import { openDatabase } from '../../src/db/openDatabase.ts'
import { wallets } from '../../src/db/schema/wallets.ts'
import { ChatIdentities } from '../../src/identity/ChatIdentities.ts'
import { available, system } from '../../src/ledger/balanceKeys.ts'
import { checkLedger } from '../../src/ledger/checkLedger.ts'
import { Ledger } from '../../src/ledger/Ledger.ts'
import { raceWorkers } from '../support/raceWorkers.ts'

// Withdrawals from several processes at once (worker threads, each with its own
// connection to one SQLite file): the balance is the only thing between them.
// No press is retried: this race first found withdrawals meeting SQLITE_BUSY ("Something
// went wrong") when their deferred transaction read the balance while another process wrote.
// Transactions now begin immediate (openDatabase), so every press gets a real answer.

const GRID = parseUnits('1', 18)
let dir: string
let race: { outcomes: string[]; sqlite: ReturnType<typeof openDatabase>['sqlite']; accountId: number; close(): void }

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gridshare-race-'))
  const path = join(dir, 'race.db')
  const { db, sqlite, close } = openDatabase(path)
  const now = Date.now()
  const { accountId } = new ChatIdentities(db).ensure({ platform: 'telegram', id: 'racer', name: 'racer' }, now)
  // Linked long before the security hold: this is about the balance, not the hold.
  db.insert(wallets).values({ address: getAddress(keccak256(toHex('racer')).slice(0, 42)), accountId, linkedAt: now - 30 * 24 * 3600_000 }).run()
  new Ledger(db).post({ kind: 'test.fund', idempotencyKey: 'fund', entries: [{ key: system('treasury'), amount: -10n * GRID }, { key: available(accountId), amount: 10n * GRID }], now })
  const results = await raceWorkers<{ outcomes: string[] }>(new URL('./withdrawalRaceWorker.ts', import.meta.url), 4, () => ({
    path,
    accountId,
    amount: (3n * GRID).toString(),
    attempts: 4,
  }))
  race = { outcomes: results.flatMap((r) => r.outcomes), sqlite, accountId, close }
}, 120_000)
afterAll(() => {
  race?.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('4 processes × 4 withdrawals of 3 GRID from 10 GRID at once', () => {
  test('exactly 3 pass, the other 13 are refused for the balance; one payout per passed withdrawal; never negative', () => {
    const passed = race.outcomes.filter((o) => o.startsWith('ok:'))
    expect(race.outcomes.filter((o) => !o.startsWith('ok:'))).toEqual(Array.from({ length: 13 }, () => 'refused:INSUFFICIENT_BALANCE'))
    expect(passed).toHaveLength(3)
    const rows = race.sqlite.prepare('select id, amount, status from payouts order by id').all() as { id: string; amount: string; status: string }[]
    expect(rows.map((r) => `ok:${r.id}`).sort()).toEqual([...passed].sort())
    expect(rows.map((r) => [r.amount, r.status])).toEqual(Array.from({ length: 3 }, () => [(3n * GRID).toString(), 'pending']))
    const ledger = new Ledger(openDatabase(join(dir, 'race.db')).db)
    expect(ledger.balance(available(race.accountId))).toBe(1n * GRID)
    expect(ledger.balance(system('payouts_pending'))).toBe(9n * GRID)
    expect(race.sqlite.prepare("select count(*) as n from ledger_transactions where kind = 'withdrawal'").get()).toEqual({ n: 3 })
    expect(checkLedger(race.sqlite)).toEqual([])
  })
})
