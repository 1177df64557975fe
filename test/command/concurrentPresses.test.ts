import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, test } from 'vitest'
import { claimAction, createAction } from '../../src/command/actionStore.ts'
import { openDatabase } from '../../src/db/openDatabase.ts'
import { raceWorkers } from '../support/raceWorkers.ts'

// Button presses from several processes at once (worker threads, each with its
// own connection to one SQLite file): a Confirm / Cancel pair is spent once.

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

describe('concurrent button presses', () => {
  test('5 processes pressing Confirm and Cancel of the same 300 quotes: each quote is claimed exactly once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gridshare-press-'))
    dirs.push(dir)
    const path = join(dir, 'press.db')
    const { db, sqlite, close } = openDatabase(path)
    const owner = { platform: 'telegram' as const, id: 'presser', name: 'presser' }
    const now = Date.now()
    const groups = Array.from({ length: 300 }, (_, i) => ({
      confirm: createAction(db, { name: 'rent.confirm', payload: { quote: i }, owner, groupId: `quote-${i}`, now }),
      cancel: createAction(db, { name: 'rent.cancel', payload: { quote: i }, owner, groupId: `quote-${i}`, now }),
    }))
    // Four workers, and this thread as a fifth presser (Cancel) on its own connection.
    const results = await raceWorkers<{ claimed: string[] }, string[]>(new URL('./pressRaceWorker.ts', import.meta.url), 4, (index) => ({ path, groups, index }), () =>
      groups.map((g) => g.cancel).filter((id) => claimAction(db, { id, presser: owner, presserAccountId: () => 1, now: Date.now() }).status === 'ok'),
    )
    const claimed = [...results.flatMap((r) => r.claimed), ...results.alongside!]
    const groupOf = new Map(groups.flatMap((g, i) => [[g.confirm, i], [g.cancel, i]] as const))
    const perGroup = new Map<number, number>()
    for (const id of claimed) perGroup.set(groupOf.get(id)!, (perGroup.get(groupOf.get(id)!) ?? 0) + 1)
    expect([...perGroup.values()].filter((n) => n !== 1)).toEqual([])
    expect(perGroup.size).toBe(300)
    expect(claimed).toHaveLength(300)
    // Every button of every group is spent, whichever won.
    expect(sqlite.prepare('select count(*) as n from actions where used_at is null').get()).toEqual({ n: 0 })
    close()
  }, 120_000)
})
