import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, test } from 'vitest'
import { openDatabase } from '../../src/db/openDatabase.ts'

test('a fresh file gets every migration, WAL and foreign keys', () => {
  const path = join(mkdtempSync(join(tmpdir(), 'gs-db-')), 'fresh.db')
  const { sqlite, close } = openDatabase(path)
  expect(sqlite.pragma('journal_mode', { simple: true })).toBe('wal')
  expect(sqlite.pragma('foreign_keys', { simple: true })).toBe(1)
  expect(sqlite.pragma('busy_timeout', { simple: true })).toBe(5000)
  const tables = sqlite.prepare("select name from sqlite_master where type = 'table' order by name").all() as { name: string }[]
  expect(tables.map((t) => t.name)).toEqual(expect.arrayContaining(['accounts', 'actions', 'chat_identities']))
  close()
})

test('an existing file reopens cleanly with its data and no migration reapplied', () => {
  const path = join(mkdtempSync(join(tmpdir(), 'gs-db-')), 'existing.db')
  const first = openDatabase(path)
  first.sqlite.prepare('insert into accounts (created_at) values (1)').run()
  const applied = first.sqlite.prepare('select count(*) as n from __drizzle_migrations').get()
  first.close()
  const second = openDatabase(path)
  expect(second.sqlite.prepare('select count(*) as n from accounts').get()).toEqual({ n: 1 })
  expect(second.sqlite.prepare('select count(*) as n from __drizzle_migrations').get()).toEqual(applied)
  second.close()
})

test('foreign keys are enforced', () => {
  const { sqlite, close } = openDatabase(':memory:')
  expect(() =>
    sqlite.prepare("insert into chat_identities (platform, platform_user_id, account_id, created_at) values ('telegram', '1', 999, 1)").run(),
  ).toThrow(/FOREIGN KEY/)
  close()
})

test('a transaction takes the write lock as it begins, so read-then-write never meets a stale snapshot', () => {
  const path = join(mkdtempSync(join(tmpdir(), 'gs-db-')), 'locks.db')
  const mine = openDatabase(path)
  const other = openDatabase(path)
  other.sqlite.pragma('busy_timeout = 0')
  const otherWrites = () => other.sqlite.prepare('insert into accounts (created_at) values (2)').run()
  mine.db.transaction(() => {
    // Only a read so far: a deferred transaction would hold no write lock yet.
    expect(mine.sqlite.prepare('select count(*) as n from accounts').get()).toEqual({ n: 0 })
    expect(otherWrites).toThrow(expect.objectContaining({ code: 'SQLITE_BUSY' }))
    // Nested calls are savepoints inside it.
    mine.db.transaction(() => mine.sqlite.prepare('insert into accounts (created_at) values (1)').run())
  })
  otherWrites()
  expect(mine.sqlite.prepare('select count(*) as n from accounts').get()).toEqual({ n: 2 })
  // Asked for explicitly, a deferred transaction is still one.
  mine.db.transaction(() => {
    mine.sqlite.prepare('select count(*) as n from accounts').get()
    otherWrites()
  }, { behavior: 'deferred' })
  expect(mine.sqlite.prepare('select count(*) as n from accounts').get()).toEqual({ n: 3 })
  other.close()
  mine.close()
})
