import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, test } from 'vitest'
import { durably } from '../../src/db/durably.ts'
import { openDatabase } from '../../src/db/openDatabase.ts'

test('intent writes commit with synchronous=FULL and everything else with NORMAL', () => {
  const { db, sqlite, close } = openDatabase(join(mkdtempSync(join(tmpdir(), 'gs-durably-')), 'g.db'))
  const level = () => sqlite.pragma('synchronous', { simple: true })
  expect(level()).toBe(1) // NORMAL
  expect(durably(db, () => level())).toBe(2) // FULL while the intent commits
  expect(level()).toBe(1)
  expect(() =>
    durably(db, () => {
      throw new Error('write failed')
    }),
  ).toThrow('write failed')
  expect(level()).toBe(1)
  close()
})
