import Database from 'better-sqlite3'
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3'
import { migrate } from 'drizzle-orm/better-sqlite3/migrator'
import { fileURLToPath } from 'node:url'

export type Db = BetterSQLite3Database
export type Sqlite = Database.Database

export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../drizzle', import.meta.url))

/** Opens (or creates) the SQLite file with WAL, foreign keys, a busy timeout
 *  and immediate transactions, and applies any migrations not yet applied. */
export function openDatabase(path: string): { db: Db; sqlite: Sqlite; close(): void } {
  const sqlite = new Database(path)
  sqlite.pragma('journal_mode = WAL')
  sqlite.pragma('foreign_keys = ON')
  sqlite.pragma('busy_timeout = 5000')
  // NORMAL in WAL mode survives a process crash but not a power loss; the
  // writes that record an intent before chain I/O (a signed payout before its
  // broadcast) commit through durably(), with FULL.
  sqlite.pragma('synchronous = NORMAL')
  const db = drizzle(sqlite)
  // Every transaction takes the write lock as it begins. A deferred one reads and then
  // writes; if another process wrote in between, SQLite refuses at once (SQLITE_BUSY:
  // busy_timeout cannot refresh a stale snapshot) and the user would get "Something went
  // wrong". Immediate ones wait their turn. Nested calls are savepoints and ignore it.
  const begin = db.transaction.bind(db)
  db.transaction = ((run, config) => begin(run, { behavior: 'immediate', ...config })) as typeof db.transaction
  migrate(db, { migrationsFolder: MIGRATIONS_FOLDER })
  return { db, sqlite, close: () => sqlite.close() }
}
