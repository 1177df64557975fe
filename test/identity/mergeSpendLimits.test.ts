import { expect, test } from 'vitest'
import { openDatabase } from '../../src/db/openDatabase.ts'
import { spendLimits } from '../../src/db/schema/spendLimits.ts'
import { ChatIdentities } from '../../src/identity/ChatIdentities.ts'
import { mergeAccounts } from '../../src/identity/mergeAccounts.ts'
import { Ledger } from '../../src/ledger/Ledger.ts'

// Someone holding a stolen chat account links it into a fresh account of theirs (or the
// other way round) to leave the victim's spend limit behind.
const NOW = Date.UTC(2026, 10, 26, 12)

function merge(limits: { from?: { cap: bigint; pending?: { cap: bigint | null; at: number } }; into?: { cap: bigint } }) {
  const { db, sqlite } = openDatabase(':memory:')
  const identities = new ChatIdentities(db)
  const from = identities.ensure({ platform: 'telegram', id: 'from', name: 'from' }, NOW).accountId
  const into = identities.ensure({ platform: 'discord', id: 'into', name: 'into' }, NOW).accountId
  if (limits.from) {
    const { cap, pending } = limits.from
    db.insert(spendLimits).values({ accountId: from, monthlyCap: cap.toString(), pendingCap: pending?.cap?.toString() ?? null, pendingFrom: pending?.at ?? null, updatedAt: NOW }).run()
  }
  if (limits.into) db.insert(spendLimits).values({ accountId: into, monthlyCap: limits.into.cap.toString(), updatedAt: NOW }).run()
  db.transaction(() => mergeAccounts(db, new Ledger(db), { from, into, now: NOW }))
  return { rows: sqlite.prepare('select account_id as accountId, monthly_cap as cap, pending_cap as pendingCap, pending_from as pendingFrom from spend_limits').all(), from, into }
}

test('the merged-away account’s limit comes along when the surviving one has none', () => {
  const { rows, into } = merge({ from: { cap: 10n } })
  expect(rows).toEqual([{ accountId: into, cap: '10', pendingCap: null, pendingFrom: null }])
})

test('with a limit on both sides the lower one stays, whichever side it was on', () => {
  expect(merge({ from: { cap: 10n }, into: { cap: 50n } }).rows).toEqual([expect.objectContaining({ cap: '10' })])
  expect(merge({ from: { cap: 50n }, into: { cap: 5n } }).rows).toEqual([expect.objectContaining({ cap: '5' })])
})

test('a raise still waiting is dropped; one whose hold has passed counts as in force', () => {
  expect(merge({ from: { cap: 10n, pending: { cap: 1000n, at: NOW + 1 } } }).rows).toEqual([expect.objectContaining({ cap: '10', pendingCap: null, pendingFrom: null })])
  expect(merge({ from: { cap: 10n, pending: { cap: 1000n, at: NOW } } }).rows).toEqual([expect.objectContaining({ cap: '1000' })])
  // A removal whose hold has passed leaves no limit on that side.
  expect(merge({ from: { cap: 10n, pending: { cap: null, at: NOW } }, into: { cap: 70n } }).rows).toEqual([expect.objectContaining({ cap: '70' })])
})

test('no limit on either side stays no limit', () => {
  expect(merge({}).rows).toEqual([])
})
